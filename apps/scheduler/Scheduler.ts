/**
 * The scheduler app as a Layer: the job runner plus every job Tradeport runs in the background. `allJobs` is the
 * one list — the runner schedules it and `npm run job -- <name>` runs one of it once.
 */
import { Effect, Layer } from "effect"
import type { ProviderId } from "../../core/connections/Connection.ts"
import type { Grant } from "../../core/connections/RefreshRunner.ts"
import { ProviderCatalogue } from "../../core/providers/ports/ProviderCatalogue.ts"
import { HeartbeatInterval } from "../shared/SchedulerProbe.ts"
import { heartbeatJob } from "./HeartbeatJob.ts"
import { type Job, JobRunner } from "./JobRunner.ts"
import { Intervals, purgeIdempotencyRecords, releaseExpiredReservations } from "./MaintenanceJobs.ts"
import { RefreshConfig, refreshTokensJob } from "./RefreshJob.ts"
import { G2ATokenInterval, refreshG2ATokenJob } from "./G2ATokenJob.ts"
import { ChannelPollConfig, pollChannelOrdersJob } from "./ChannelPollJob.ts"
import { configured } from "./JobConfig.ts"
import { pollCarrierTrackingJob, TrackingPollConfig } from "./TrackingPollJob.ts"

/** The refresh grant of every registered provider whose connections hold expiring tokens. */
const refreshGrants = Effect.gen(function* () {
  const grants = new Map<ProviderId, Grant<never>>()
  for (const provider of (yield* ProviderCatalogue).providers) {
    if (provider.refreshGrant !== undefined) grants.set(provider.descriptor.id, provider.refreshGrant)
  }
  return grants
})

/** Jobs are covariant in what they need: a list of them needs the union. */
const jobList = <R>(...jobs: ReadonlyArray<Job<R>>): ReadonlyArray<Job<R>> => jobs

export const allJobs = Effect.gen(function* () {
  const intervals = yield* Intervals
  const heartbeat = heartbeatJob(yield* HeartbeatInterval)
  const reservations = releaseExpiredReservations(intervals.reservations)
  const idempotency = purgeIdempotencyRecords(intervals.idempotency)
  const refresh = refreshTokensJob(yield* RefreshConfig, yield* refreshGrants)
  const g2aToken = refreshG2ATokenJob(yield* G2ATokenInterval)
  const channelOrders = pollChannelOrdersJob(yield* ChannelPollConfig)
  const tracking = pollCarrierTrackingJob(yield* TrackingPollConfig)
  const jobs = jobList<
    JobServices<
      | typeof heartbeat
      | typeof reservations
      | typeof idempotency
      | typeof refresh
      | typeof g2aToken
      | typeof channelOrders
      | typeof tracking
    >
  >(heartbeat, reservations, idempotency, refresh, g2aToken, channelOrders, tracking)
  // Per-job cron, retries and timeout from the environment (JOB_<NAME>_CRON / _RETRIES / _TIMEOUT).
  return yield* Effect.forEach(jobs, configured)
})

type JobServices<J> = J extends Job<infer R> ? R : never

export const JobsLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const runner = yield* JobRunner
    for (const job of yield* allJobs) yield* runner.start(job)
  })
)

export const SchedulerLive = JobsLive.pipe(Layer.provideMerge(JobRunner.layer()))
