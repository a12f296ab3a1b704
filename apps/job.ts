/**
 * `npm run job -- <name>`: run one background job once, now, with the same configuration as the scheduler (for
 * operators and runbooks). Exits 0 when it succeeded, 1 otherwise; with no name, lists the jobs.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { allJobs } from "./scheduler/Scheduler.ts"
import { withProcess } from "./shared/Platform.ts"

const name = process.argv[2]

const program = Effect.gen(function* () {
  const jobs = yield* allJobs
  const job = jobs.find((j) => j.name === name)
  if (job === undefined) {
    return yield* Effect.fail(new Error(`usage: npm run job -- <${jobs.map((j) => j.name).join(" | ")}>`))
  }
  yield* Effect.logInfo("running job once").pipe(Effect.annotateLogs({ job: job.name }))
  yield* job.run.pipe(Effect.timeout(job.timeout))
  yield* Effect.logInfo("job finished").pipe(Effect.annotateLogs({ job: job.name }))
})

program.pipe(Effect.provide(withProcess("tradeport-job", Layer.empty)), NodeRuntime.runMain)
