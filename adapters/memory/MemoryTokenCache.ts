/** TokenCache in process memory (single-process mode, tests), entries expiring on the Effect Clock. */
import { Clock, Duration, Effect, Layer, Option } from "effect"
import { type CachedToken, TokenCache } from "../../core/connections/ports/TokenCache.ts"

export const layer = Layer.sync(TokenCache, () => {
  const entries = new Map<string, { readonly token: CachedToken; readonly until: number }>()
  return TokenCache.of({
    get: (key) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => {
          const entry = entries.get(key)
          return entry !== undefined && entry.until > now ? Option.some(entry.token) : Option.none()
        })
      ),
    set: (key, token, ttl) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        entries.set(key, { token, until: now + Duration.toMillis(ttl) })
      }),
    delete: (key) => Effect.sync(() => void entries.delete(key))
  })
})
