/** Liveness (the process answers) and readiness (every critical dependency answers) handlers. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Readiness } from "../../core/ops/Readiness.ts"
import { Api, NotReady, ReadinessBody } from "./Api.ts"
import { PublicReadinessDetails } from "./Ops.ts"

export const HealthHandlers = HttpApiBuilder.group(
  Api,
  "health",
  Effect.fn(function* (handlers) {
    const readiness = yield* Readiness
    // Probe details name hosts and errors: public only where operators have no port of their own.
    const withDetails = yield* PublicReadinessDetails
    return handlers
      .handle("live", () => Effect.succeed({ status: "ok" as const }))
      .handle("ready", () =>
        Effect.gen(function* () {
          const full = yield* readiness.report
          const report = withDetails ? full : { ...full, details: {} }
          if (report.status === "unready") {
            return yield* new NotReady({
              code: "not_ready",
              readiness: "unready",
              checks: report.checks,
              details: report.details
            })
          }
          return new ReadinessBody({ status: report.status, checks: report.checks, details: report.details })
        })
      )
  })
)
