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
import { type Check, collectInto, optionalConfig, optionalText } from "../../adapters/providers/shared/StrictConfig.ts"
import { StartupError } from "../shared/Environment.ts"
import type { Job } from "./JobRunner.ts"

export const variablePrefix = (name: string) => `JOB_${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_`

const cronExpression: Check<Cron.Cron> = (raw) =>
  Result.mapError(Cron.parse(raw.trim(), "UTC"), (e) => `is not a cron expression: ${e.message}`)

const retryCount: Check<number> = (raw) => {
  if (!/^\s*-?\d+\s*$/.test(raw)) return Result.fail("must be an integer")
  const value = Number(raw)
  return value >= 0 && value <= 10 ? Result.succeed(value) : Result.fail("must be between 0 and 10")
}

/** The job with its policy from the environment; every bad variable of the job is named in one StartupError. */
export const configured = <R>(job: Job<R>) =>
  Effect.gen(function* () {
    const prefix = variablePrefix(job.name)
    const problems: Array<string> = []
    const collect = collectInto(problems)
    const cron = collect(yield* optionalText(`${prefix}CRON`, cronExpression))
    const retries = collect(yield* optionalText(`${prefix}RETRIES`, retryCount))
    const timeout = collect(
      Result.mapError(
        yield* optionalConfig(Config.Duration(`${prefix}TIMEOUT`)),
        () => `${prefix}TIMEOUT must be a duration such as "30 seconds"`
      )
    )
    if (problems.length > 0) return yield* new StartupError({ problems })
    const policy = {
      ...job,
      retries: Option.getOrElse(retries, () => job.retries ?? 0),
      timeout: Option.getOrElse(timeout, () => job.timeout)
    }
    if (Option.isNone(cron)) return policy
    const [a, b] = [...take(Cron.sequence(cron.value, new Date()), 2)]
    const every = a !== undefined && b !== undefined ? Duration.millis(b.getTime() - a.getTime()) : job.every
    return { ...policy, cron: cron.value, every }
  })

function* take<A>(iterable: Iterable<A>, n: number) {
  let i = 0
  for (const value of iterable) {
    if (i++ >= n) return
    yield value
  }
}
