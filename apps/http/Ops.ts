/**
 * Operational endpoints — Prometheus metrics, the API reference, readiness with its details, the scheduler's jobs.
 * They show platform-wide state, so they are for operators, not tenants: in production they are served on their own
 * port (OPS_PORT, default 9464), which the deployment keeps inside its network, and the public port answers readiness
 * without details. Elsewhere they share the main port unless OPS_PORT is set.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Context, DateTime, Duration, Effect, Layer, Option, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiScalar } from "effect/http-api"
import { PrometheusMetrics } from "effect/observability"
import { createServer } from "node:http"
import * as Jobs from "../../core/ops/Jobs.ts"
import { Readiness } from "../../core/ops/Readiness.ts"
import { AppEnv } from "../shared/Environment.ts"
import { Api } from "./Api.ts"

/** Whether the public `/health/ready` may show probe details (false when the operator has a port of their own). */
export class PublicReadinessDetails extends Context.Reference<boolean>("tradeport/apps/http/PublicReadinessDetails", {
  defaultValue: () => true
}) {}

export const JobView = Schema.Struct({
  job: Schema.String,
  everySeconds: Schema.Number,
  instances: Schema.Int,
  lastRunAt: Schema.NullOr(Schema.String),
  lastSuccessAt: Schema.NullOr(Schema.String),
  nextRunAt: Schema.NullOr(Schema.String),
  lastError: Schema.NullOr(Schema.String),
  consecutiveFailures: Schema.Int,
  lagging: Schema.Boolean
})

const iso = (t: DateTime.Utc | undefined) => (t === undefined ? null : DateTime.formatIso(t))

const jobs = HttpRouter.add(
  "GET",
  "/ops/jobs",
  Jobs.overview().pipe(
    Effect.map((overview) =>
      HttpServerResponse.jsonUnsafe({
        jobs: overview.map((s): typeof JobView.Type => ({
          job: s.job,
          everySeconds: Duration.toSeconds(s.every),
          instances: s.instances,
          lastRunAt: iso(s.lastRunAt),
          lastSuccessAt: iso(s.lastSuccessAt),
          nextRunAt: iso(s.nextRunAt),
          lastError: s.lastError ?? null,
          consecutiveFailures: s.consecutiveFailures,
          lagging: s.lagging
        }))
      })
    ),
    Effect.catchTag("PersistenceError", () =>
      Effect.succeed(HttpServerResponse.jsonUnsafe({ code: "storage_unavailable" }, { status: 503 }))
    )
  )
)

const ready = HttpRouter.add(
  "GET",
  "/ops/ready",
  Effect.gen(function* () {
    const report = yield* (yield* Readiness).report
    return HttpServerResponse.jsonUnsafe(report, { status: report.status === "unready" ? 503 : 200 })
  })
)

export const OpsRoutes = Layer.mergeAll(
  jobs,
  ready,
  HttpApiScalar.layer(Api, { path: "/docs" }),
  PrometheusMetrics.layerHttp({ path: "/metrics" })
)

/** Where the operational endpoints are served: their own port, or (None) the main one. */
export const OpsPort = Effect.gen(function* () {
  const configured = yield* Config.option(Config.Port("OPS_PORT"))
  if (Option.isSome(configured)) return configured
  return (yield* AppEnv) === "production" ? Option.some(9464) : Option.none()
})

/** The operators' own server on OPS_PORT (OPS_HOST, default HOST). */
export const opsServer = (port: number) =>
  HttpRouter.serve(OpsRoutes, { disableLogger: true, disableListenLog: false }).pipe(
    Layer.provide(
      NodeHttpServer.layerConfig(createServer, {
        port: Config.succeed(port),
        host: Config.String("OPS_HOST").pipe(
          Config.orElse(() => Config.String("HOST")),
          Config.withDefault("0.0.0.0")
        )
      })
    )
  )
