/**
 * Readiness probe for background work: is any scheduler instance beating? Not critical (requests are still
 * served without it) but reported as degraded, so an operator sees a stopped scheduler.
 */
import { Config, DateTime, Duration, Effect, Layer } from "effect"
import { liveness } from "../../core/ops/Heartbeat.ts"
import { HeartbeatStore } from "../../core/ops/ports/HeartbeatStore.ts"
import { isLagging, JobStore } from "../../core/ops/ports/JobStore.ts"
import { Readiness } from "../../core/ops/Readiness.ts"

export const HeartbeatInterval = Config.Duration("SCHEDULER_HEARTBEAT_INTERVAL").pipe(
  Config.withDefault(Duration.seconds(10))
)

/** Background jobs: degraded when one has not succeeded for three of its intervals. */
const jobsProbe = Layer.effectDiscard(
  Effect.gen(function* () {
    const readiness = yield* Readiness
    const jobs = yield* JobStore
    yield* readiness.register({
      name: "jobs",
      critical: false,
      check: Effect.gen(function* () {
        const now = yield* DateTime.now
        const summaries = yield* jobs.summaries
        const lagging = summaries.filter((s) => isLagging(s, now)).map((s) => s.job)
        return lagging.length === 0
          ? { status: "up" as const, detail: `${summaries.length} job(s) on schedule` }
          : { status: "degraded" as const, detail: `not succeeding: ${lagging.join(", ")}` }
      }).pipe(Effect.catch((e) => Effect.succeed({ status: "down" as const, detail: e.reason })))
    })
  })
)

export const layer = Layer.effectDiscard(
  Effect.gen(function* () {
    const readiness = yield* Readiness
    const store = yield* HeartbeatStore
    const interval = yield* HeartbeatInterval
    yield* readiness.register({
      name: "scheduler",
      critical: false,
      check: Effect.gen(function* () {
        const state = liveness(yield* store.latest, yield* DateTime.now, interval)
        switch (state._tag) {
          case "Alive":
            return { status: "up" as const, detail: `${state.instanceId} beat ${Duration.format(state.age)} ago` }
          case "Stale":
            return {
              status: "degraded" as const,
              detail: `last beat ${Duration.format(state.age)} ago (${state.instanceId})`
            }
          case "Absent":
            return { status: "degraded" as const, detail: "no scheduler has reported yet" }
        }
      }).pipe(Effect.catch((e) => Effect.succeed({ status: "down" as const, detail: e.reason })))
    })
  })
).pipe(Layer.merge(jobsProbe))
