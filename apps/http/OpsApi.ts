/** Contract of operations endpoints: the state of background jobs. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Authenticated } from "./Authentication.ts"
import { Forbidden, ServiceUnavailable } from "./Problems.ts"

export class JobView extends Schema.Class<JobView>("JobView")({
  job: Schema.String,
  everySeconds: Schema.Number,
  instances: Schema.Int,
  lastRunAt: Schema.NullOr(Schema.String),
  lastSuccessAt: Schema.NullOr(Schema.String),
  nextRunAt: Schema.NullOr(Schema.String),
  lastError: Schema.NullOr(Schema.String),
  consecutiveFailures: Schema.Int,
  lagging: Schema.Boolean
}) {}

export class OpsGroup extends HttpApiGroup.make("ops")
  .add(
    HttpApiEndpoint.get("jobs", "/api/v1/ops/jobs", {
      success: Schema.Struct({ jobs: Schema.Array(JobView) }),
      error: [Forbidden, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Each background job across scheduler instances: last run, last success, next run, failures (admins)."
    )
  )
  .middleware(Authenticated) {}
