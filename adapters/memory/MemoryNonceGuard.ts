/**
 * NonceGuard in process memory (single process, tests), expiring on the Effect Clock. Expired nonces are swept as
 * new ones arrive, so a long-running process does not grow without bound.
 */
import { Clock, Duration, Effect, Layer } from "effect"
import { NonceGuard } from "../../core/webhooks/ports/NonceGuard.ts"

export const layer = Layer.sync(NonceGuard, () => {
  const seen = new Map<string, number>()
  return NonceGuard.of({
    release: (scope, nonce) => Effect.sync(() => void seen.delete(`${scope}:${nonce}`)),
    claim: (scope, nonce, ttl) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => {
          const key = `${scope}:${nonce}`
          const until = seen.get(key)
          if (until !== undefined && until > now) return false
          if (seen.size >= 1024 && seen.size % 256 === 0) for (const [k, t] of seen) if (t <= now) seen.delete(k)
          seen.set(key, now + Duration.toMillis(ttl))
          return true
        })
      )
  })
})
