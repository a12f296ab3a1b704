/**
 * OAuthStateStore in process memory (single process, tests): single-use by deletion, expiring on the Clock;
 * abandoned states are swept as new ones arrive.
 */
import { Clock, Duration, Effect, Layer, Option } from "effect"
import type { PendingAuthorization } from "../../core/connections/OAuthFlow.ts"
import { OAuthStateStore } from "../../core/connections/ports/OAuthStateStore.ts"

export const layer = Layer.sync(OAuthStateStore, () => {
  const pending = new Map<string, { readonly value: PendingAuthorization; readonly until: number }>()
  const live = (state: string, now: number) => {
    const entry = pending.get(state)
    return entry !== undefined && entry.until > now ? entry.value : undefined
  }
  return OAuthStateStore.of({
    put: (state, value, ttl) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (pending.size >= 256 && pending.size % 64 === 0)
          for (const [k, e] of pending) if (e.until <= now) pending.delete(k)
        pending.set(state, { value, until: now + Duration.toMillis(ttl) })
      }),
    consumeIf: (state, accept) =>
      Effect.gen(function* () {
        const value = live(state, yield* Clock.currentTimeMillis)
        if (value === undefined) return { _tag: "Missing" } as const
        if (!accept(value)) return { _tag: "Refused", pending: value } as const
        pending.delete(state)
        return { _tag: "Consumed", pending: value } as const
      }),
    consume: (state) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => {
          const entry = pending.get(state)
          pending.delete(state)
          return entry !== undefined && entry.until > now ? Option.some(entry.value) : Option.none()
        })
      )
  })
})
