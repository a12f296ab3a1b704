/**
 * Port: fixed-window request counting, for rate limiting. `hit` counts one request for `key` in the window that
 * began with the key's first hit, and answers the count so far and the time left in that window — one atomic step
 * (on Redis one round trip), so every instance sharing the store shares the count.
 */
import { Context, type Effect } from "effect"
import type { CacheError } from "../errors.ts"

export interface WindowCount {
  /** Requests counted in the current window, this one included. */
  readonly count: number
  /** Milliseconds until the window ends and the count starts again. */
  readonly resetMillis: number
}

export interface RateCounterShape {
  readonly hit: (key: string, windowMillis: number) => Effect.Effect<WindowCount, CacheError>
  /** The current window's count without counting (0 when no window is open). */
  readonly peek: (key: string) => Effect.Effect<WindowCount, CacheError>
}

export class RateCounter extends Context.Service<RateCounter, RateCounterShape>()(
  "tradeport/core/shared/ports/RateCounter"
) {}
