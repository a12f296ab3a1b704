/**
 * RateCounter in process memory, on the Effect Clock (tests drive windows with TestClock). Serves single-process
 * mode and is the fallback when Redis is unreachable: limits become per instance, never off. Ended windows are
 * swept at most once a second, so memory follows the clients seen in the last window.
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
  const sweep = (now: number) => {
    if (now < nextSweep) return
    nextSweep = now + 1_000
    for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key)
  }
  return {
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
