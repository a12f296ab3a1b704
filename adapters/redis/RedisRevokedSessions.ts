/**
 * RevokedSessions on Redis, shared by every instance: `{prefix}session:revoked:{sessionId}` = 1, expiring with the
 * TTL given (the access-token lifetime). Every revocation is also kept in the in-process fallback, which answers
 * when Redis fails (counted in `auth_revoked_sessions_fallback_total`): the denylist then degrades to what this
 * instance revoked itself, and access stays possible. Which in-process store that is, the wiring decides
 * (apps/shared/Infrastructure.ts passes the memory adapter's `make`).
 */
import { Duration, Effect, Layer, Metric } from "effect"
import { RevokedSessions, type RevokedSessionsShape } from "../../core/identity/ports/RevokedSessions.ts"
import { RedisConnection } from "./RedisConnection.ts"

/** Sets the entry unless it already lives longer: revoking again extends, never shortens. */
const REVOKE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`

const fallbacks = Metric.counter("auth_revoked_sessions_fallback_total", {
  description: "Session denylist calls served in-process because Redis failed"
})

export const layer = (fallbackStore: Effect.Effect<RevokedSessionsShape>, prefix = "tradeport:") =>
  Layer.effect(
    RevokedSessions,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      const fallback = yield* fallbackStore
      const revokeScript = redis.script({ name: "revoked_sessions_revoke", lua: REVOKE, keys: 1 })
      const key = (sessionId: string) => `${prefix}session:revoked:${sessionId}`
      const degraded = (operation: string) =>
        Metric.update(fallbacks, 1).pipe(
          Effect.andThen(
            Effect.logWarning("session denylist unavailable, using the in-process fallback").pipe(
              Effect.annotateLogs({ operation })
            )
          )
        )
      const revoke: RevokedSessionsShape["revoke"] = (sessionId, ttl) =>
        Effect.gen(function* () {
          yield* fallback.revoke(sessionId, ttl)
          const ms = Math.max(1, Math.ceil(Duration.toMillis(ttl)))
          yield* revokeScript([key(sessionId)], [String(ms)]).pipe(Effect.catch(() => degraded("revoke")))
        })
      const isRevoked: RevokedSessionsShape["isRevoked"] = (sessionId) =>
        Effect.gen(function* () {
          if (yield* fallback.isRevoked(sessionId)) return true
          return yield* redis
            .use("revoked_sessions.is_revoked", (c) => c.exists(key(sessionId)))
            .pipe(
              Effect.map((n) => n > 0),
              Effect.catch(() => degraded("isRevoked").pipe(Effect.as(false)))
            )
        })
      return RevokedSessions.of({ revoke, isRevoked })
    })
  )
