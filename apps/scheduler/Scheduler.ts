/**
 * The scheduler app as a Layer: the job runner plus every job Tradeport runs in the background. Later features
 * add their jobs here.
 */
import { Effect, Layer } from "effect"
import { HeartbeatInterval } from "../shared/SchedulerProbe.ts"
import { heartbeatJob } from "./HeartbeatJob.ts"
import { JobRunner } from "./JobRunner.ts"

export const JobsLive = Layer.effectDiscard(
  Effect.gen(function*() {
    const runner = yield* JobRunner
    yield* runner.start(heartbeatJob(yield* HeartbeatInterval))
  })
)

export const SchedulerLive = JobsLive.pipe(Layer.provideMerge(JobRunner.layer()))
