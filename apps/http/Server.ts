/**
 * The HTTP app as a Layer: the API routes (HttpApi + OpenAPI + docs + Prometheus metrics) behind the global
 * middleware, served by Node's http server on PORT. Dependencies (ports) are provided by the caller.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { ByteSize, Config, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiMiddleware, HttpApiScalar } from "effect/http-api"
import { PrometheusMetrics } from "effect/observability"
import { createServer } from "node:http"
import { Api } from "./Api.ts"
import { AuthHandlers } from "./AuthHandlers.ts"
import { HealthHandlers } from "./HealthHandlers.ts"
import * as Middleware from "./Middleware.ts"

const QUIET = ["/health/live", "/health/ready", "/metrics"]

export const MiddlewareLive = Layer.unwrap(
  Config.ByteSize("HTTP_MAX_BODY_SIZE").pipe(
    Config.withDefault(ByteSize.mebibytes(1)),
    Config.map((maxBodySize) => Middleware.layer({ maxBodySize, quietPaths: QUIET }))
  )
)

export const ApiRoutes = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide([HealthHandlers, AuthHandlers]),
  Layer.provide(HttpApiMiddleware.layerProblemDetails({ includeDetails: true }))
)

/** Anything no route matched: a normalized 404 (through the middleware, so it carries a request id). */
const NotFoundRoute = HttpRouter.add("*", "/*", Effect.succeed(HttpServerResponse.empty({ status: 404 })))

export const Routes = Layer.mergeAll(
  ApiRoutes,
  NotFoundRoute,
  HttpApiScalar.layer(Api, { path: "/docs" }),
  PrometheusMetrics.layerHttp({ path: "/metrics" }),
  MiddlewareLive
)

export const ServerLive = HttpRouter.serve(Routes, { disableLogger: true }).pipe(
  Layer.provide(NodeHttpServer.layerConfig(createServer, {
    port: Config.Port("PORT").pipe(Config.withDefault(3000)),
    host: Config.String("HOST").pipe(Config.withDefault("0.0.0.0")),
    gracefulShutdownTimeout: Config.Duration("SHUTDOWN_TIMEOUT").pipe(Config.withDefault("20 seconds"))
  }))
)
