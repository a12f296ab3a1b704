/** Operations handlers. */
import { DateTime, Duration, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { requireRole } from "../../core/identity/Roles.ts"
import { isLagging, JobStore } from "../../core/ops/ports/JobStore.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { problems } from "./ErrorMapping.ts"
import { JobView } from "./OpsApi.ts"

const iso = (t: DateTime.Utc | undefined) => (t === undefined ? null : DateTime.formatIso(t))

export const OpsHandlers = HttpApiBuilder.group(Api, "ops", (handlers) =>
  handlers.handle("jobs", () =>
    Effect.gen(function* () {
      yield* requireRole((yield* caller).role, "admin")
      const now = yield* DateTime.now
      const summaries = yield* (yield* JobStore).summaries
      return {
        jobs: summaries.map(
          (s) =>
            new JobView({
              job: s.job,
              everySeconds: Duration.toSeconds(s.every),
              instances: s.instances,
              lastRunAt: iso(s.lastRunAt),
              lastSuccessAt: iso(s.lastSuccessAt),
              nextRunAt: iso(s.nextRunAt),
              lastError: s.lastError ?? null,
              consecutiveFailures: s.consecutiveFailures,
              lagging: isLagging(s, now)
            })
        )
      }
    }).pipe(
      Effect.catchTags({ InsufficientRole: problems.InsufficientRole, PersistenceError: problems.PersistenceError })
    )
  )
)
