/**
 * RevokedSessions in process memory (single-process mode, tests, and the Redis adapter's fallback), expiring on
 * the Effect Clock. Entries are kept in the order they expire (all share the access-token lifetime), so each
 * revocation drops the expired ones from the front: the map holds only sessions revoked within one lifetime, and
 * no call scans it whole.
 */
import { Clock, Duration, Effect, Layer } from "effect"
import { RevokedSessions, type RevokedSessionsShape } from "../../core/identity/ports/RevokedSessions.ts"

export const make: Effect.Effect<RevokedSessionsShape> = Effect.sync(() => {
  const until = new Map<string, number>()
  const sweep = (now: number) => {
    for (const [id, expires] of until) {
      if (expires > now) return
      until.delete(id)
    }
  }
  return {
    revoke: (sessionId, ttl) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        sweep(now)
        const expires = Math.max(now + Duration.toMillis(ttl), until.get(sessionId) ?? 0)
        // Re-inserted at the end, where the latest expiries are.
        until.delete(sessionId)
        until.set(sessionId, expires)
      }),
    isRevoked: (sessionId) => Clock.currentTimeMillis.pipe(Effect.map((now) => (until.get(sessionId) ?? 0) > now))
  }
})

export const layer = Layer.effect(RevokedSessions, Effect.map(make, RevokedSessions.of))
