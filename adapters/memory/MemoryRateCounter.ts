/**
 * RateCounter in process memory, on the Effect Clock (tests drive windows with TestClock). Serves single-process
 * mode and is the fallback when Redis is unreachable: limits become per instance, never off. Ended windows are
 * swept incrementally, so memory follows the clients seen in the last window.
 */
import { Clock, Effect, Layer } from "effect"
import { RateCounter, type RateCounterShape } from "../../core/shared/ports/RateCounter.ts"

interface Window {
  count: number
  readonly endsAt: number
}

export const make: Effect.Effect<RateCounterShape> = Effect.sync(() => {
  const windows = new Map<string, Window>()
  let nextSweep = 0
  let sweeping: Iterator<[string, Window]> | undefined
  // Ended windows are dropped a bounded slice at a time (at most 1000 entries per request), so no single request
  // pays for walking a large map; a full pass starts at most once a second.
  const sweep = (now: number) => {
    if (sweeping === undefined) {
      if (now < nextSweep) return
      nextSweep = now + 1_000
      sweeping = windows.entries()
    }
    for (let i = 0; i < 1_000; i++) {
      const next = sweeping.next()
      if (next.done === true) {
        sweeping = undefined
        return
      }
      if (next.value[1].endsAt <= now) windows.delete(next.value[0])
    }
  }
  return {
    peek: (key) =>
      Clock.clockWith((clock) =>
        Effect.sync(() => {
          const now = clock.currentTimeMillisUnsafe()
          const current = windows.get(key)
          return current === undefined || current.endsAt <= now
            ? { count: 0, resetMillis: 0 }
            : { count: current.count, resetMillis: current.endsAt - now }
        })
      ),
    hit: (key, windowMillis) =>
      Clock.clockWith((clock) =>
        Effect.sync(() => {
          const now = clock.currentTimeMillisUnsafe()
          sweep(now)
          const current = windows.get(key)
          if (current === undefined || current.endsAt <= now) {
            const endsAt = now + Math.max(1, Math.ceil(windowMillis))
            windows.set(key, { count: 1, endsAt })
            return { count: 1, resetMillis: endsAt - now }
          }
          current.count += 1
          return { count: current.count, resetMillis: current.endsAt - now }
        })
      )
  }
})

export const layer = Layer.effect(RateCounter, make)
