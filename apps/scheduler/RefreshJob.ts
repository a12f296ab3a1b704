/**
 * The token refresh runner as a scheduled job. Provider integrations plug their refresh grant into `grants`;
 * connections of providers without one are never claimed.
 */
import { Config, Duration, Effect } from "effect"
import type { ProviderId } from "../../core/connections/Connection.ts"
import { type Grant, runCycle } from "../../core/connections/RefreshRunner.ts"
import { TokenEnvironment } from "../../core/connections/TokenKeys.ts"
import type { Job } from "./JobRunner.ts"
import { instanceId } from "./Instance.ts"

export const RefreshConfig = Config.all({
  every: Config.Duration("JOB_REFRESH_TOKENS_EVERY").pipe(Config.withDefault(Duration.minutes(1))),
  lease: Config.Duration("REFRESH_LEASE").pipe(Config.withDefault(Duration.minutes(2))),
  batch: Config.Int("REFRESH_BATCH").pipe(Config.withDefault(50)),
  concurrency: Config.Int("REFRESH_CONCURRENCY").pipe(Config.withDefault(8))
})

export const refreshTokensJob = <R>(
  config: Effect.Success<typeof RefreshConfig>,
  grants: ReadonlyMap<ProviderId, Grant<R>>
): Job<Effect.Services<ReturnType<typeof runCycle<R>>>> => ({
  name: "refresh-tokens",
  every: config.every,
  timeout: Duration.sum(config.lease, Duration.seconds(30)),
  run: Effect.gen(function* () {
    const result = yield* runCycle({
      owner: instanceId,
      env: yield* TokenEnvironment,
      grants,
      lease: config.lease,
      batch: config.batch,
      concurrency: config.concurrency
    })
    if (result.claimed > 0) yield* Effect.logInfo("scheduled token refresh").pipe(Effect.annotateLogs(result))
  })
})
