/**
 * Per-job policy from the environment, for every job alike (`refresh-tokens` → `JOB_REFRESH_TOKENS_…`):
 *
 * - `JOB_<NAME>_CRON`: a cron expression (UTC, 5 or 6 fields) replacing the job's interval;
 * - `JOB_<NAME>_RETRIES`: attempts after a failed one within a run (exponential backoff from 1 s);
 * - `JOB_<NAME>_TIMEOUT`: the bound of each attempt.
 *
 * A bad value stops the scheduler at startup, naming the variable.
 */
import { Config, Cron, Duration, Effect, Option, Result } from "effect"
import { StartupError } from "../shared/Environment.ts"
import type { Job } from "./JobRunner.ts"

export const variablePrefix = (name: string) => `JOB_${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_`

export const configured = <R>(job: Job<R>) =>
  Effect.gen(function*() {
    const prefix = variablePrefix(job.name)
    const problem = (message: string) => new StartupError({ problems: [message] })
    const cronText = yield* Config.option(Config.String(`${prefix}CRON`)).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    const retries = yield* Config.Int(`${prefix}RETRIES`).pipe(
      Config.withDefault(job.retries ?? 0),
      Effect.mapError(() => problem(`${prefix}RETRIES must be an integer`))
    )
    if (retries < 0 || retries > 10) return yield* problem(`${prefix}RETRIES must be between 0 and 10`)
    const timeout = yield* Config.Duration(`${prefix}TIMEOUT`).pipe(
      Config.withDefault(job.timeout),
      Effect.mapError(() => problem(`${prefix}TIMEOUT must be a duration such as "30 seconds"`))
    )
    if (Option.isNone(cronText)) return { ...job, retries, timeout }
    const parsed = Cron.parse(cronText.value.trim(), "UTC")
    if (Result.isFailure(parsed)) return yield* problem(`${prefix}CRON is not a cron expression: ${parsed.failure.message}`)
    const [a, b] = [...take(Cron.sequence(parsed.success, new Date()), 2)]
    const every = a !== undefined && b !== undefined ? Duration.millis(b.getTime() - a.getTime()) : job.every
    return { ...job, cron: parsed.success, every, retries, timeout }
  })

function* take<A>(iterable: Iterable<A>, n: number) {
  let i = 0
  for (const value of iterable) {
    if (i++ >= n) return
    yield value
  }
}
