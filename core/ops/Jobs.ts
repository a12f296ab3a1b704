/** Use case: the state of every background job across scheduler instances, for operators. */
import { DateTime, Effect } from "effect"
import { isLagging, JobStore } from "./ports/JobStore.ts"

export const overview = Effect.fn("Jobs.overview")(function* () {
  const now = yield* DateTime.now
  const summaries = yield* (yield* JobStore).summaries
  return summaries.map((summary) => ({ ...summary, lagging: isLagging(summary, now) }))
})
