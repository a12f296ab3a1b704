/**
 * Waiting for an event instead of sleeping a guessed time: `eventually` polls a probe until it shows the event.
 * Bounded by a generous deadline so a broken build fails naming what never happened instead of hanging; a slow
 * machine only makes it poll longer. It waits on a real timer, never on the Effect Clock, so it works the same in
 * `it.live` and under TestClock (where an `Effect.sleep` would wait for the test to move the clock).
 */
import { Effect } from "effect"

export interface Polling {
  /** Give up after this long (default 30 s: far beyond any event a test waits for, below the test timeouts). */
  readonly withinMs?: number
  /** Pause between probes (default 20 ms). */
  readonly everyMs?: number
  /** What to add to the failure (a process's output, the state seen last). */
  readonly detail?: () => string
}

/** A real-time pause (a timer, not the Effect Clock). */
export const pause = (ms: number) => Effect.promise(() => new Promise<void>((resume) => setTimeout(resume, ms)))

/** Runs `probe` until `done` holds for its value and returns that value; dies naming `what` past the deadline. */
export const eventually = <A, E, R>(
  what: string,
  probe: Effect.Effect<A, E, R>,
  done: (a: A) => boolean,
  options: Polling = {}
): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    const deadline = Date.now() + (options.withinMs ?? 30_000)
    while (true) {
      const value = yield* probe
      if (done(value)) return value
      if (Date.now() >= deadline)
        return yield* Effect.die(new Error(`never happened: ${what}${options.detail ? `\n${options.detail()}` : ""}`))
      yield* pause(options.everyMs ?? 20)
    }
  })

/** `eventually` for a condition on plain test state (a fake's request count, a list of received messages). */
export const until = (what: string, condition: () => boolean, options: Polling = {}) =>
  eventually(what, Effect.sync(condition), (holds) => holds, options).pipe(Effect.asVoid)
