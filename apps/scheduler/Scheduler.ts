/**
 * The scheduler app as a Layer: the job runner plus every job Tradeport runs in the background. Later features
 * add their jobs here.
 */
import { Effect, Layer } from "effect"
import { HeartbeatInterval } from "../shared/SchedulerProbe.ts"
import { heartbeatJob } from "./HeartbeatJob.ts"
import { JobRunner } from "./JobRunner.ts"
import { Intervals, purgeIdempotencyRecords, releaseExpiredReservations } from "./MaintenanceJobs.ts"

export const JobsLive = Layer.effectDiscard(
  Effect.gen(function*() {
    const runner = yield* JobRunner
    const intervals = yield* Intervals
    yield* runner.start(heartbeatJob(yield* HeartbeatInterval))
    yield* runner.start(releaseExpiredReservations(intervals.reservations))
    yield* runner.start(purgeIdempotencyRecords(intervals.idempotency))
  })
)

export const SchedulerLive = JobsLive.pipe(Layer.provideMerge(JobRunner.layer()))
