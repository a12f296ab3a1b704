/**
 * The HTTP app as a Layer: the API routes (HttpApi + OpenAPI + docs + Prometheus metrics) behind the global
 * middleware, served by Node's http server on PORT. Dependencies (ports) are provided by the caller.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { ByteSize, Config, Duration, Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import { createServer } from "node:http"
import * as MemoryRateCounter from "../../adapters/memory/MemoryRateCounter.ts"
import { Api } from "./Api.ts"
import { ConsoleRoutes } from "./Console.ts"
import { AuthenticatedLive } from "./Authentication.ts"
import { AuthHandlers, MeHandlers } from "./AuthHandlers.ts"
import { AmazonAdsHandlers } from "./AmazonAdsHandlers.ts"
import { CarriersHandlers } from "./CarriersHandlers.ts"
import { SessionHandlers } from "./SessionHandlers.ts"
import { ChannelsHandlers } from "./ChannelsHandlers.ts"
import { ConnectCallbackHandlers, ConnectHandlers } from "./ConnectHandlers.ts"
import { ConnectionsHandlers } from "./ConnectionsHandlers.ts"
import { G2AHandlers } from "./G2AHandlers.ts"
import { OrdersHandlers } from "./OrdersHandlers.ts"
import { OrgHandlers } from "./OrgHandlers.ts"
import { ProvidersHandlers } from "./ProvidersHandlers.ts"
import * as RateLimit from "./RateLimit.ts"
import { WebhooksHandlers } from "./WebhooksHandlers.ts"
import { HealthHandlers } from "./HealthHandlers.ts"
import * as Middleware from "./Middleware.ts"
import { OpsPort, OpsRoutes, opsServer, PublicReadinessDetails } from "./Ops.ts"

const QUIET = ["/health/live", "/health/ready", "/metrics"]

/** The request limiter over the RateCounter port; while that store fails, an in-process counter answers. */
export const RateLimitLive = RateLimit.layer(MemoryRateCounter.make)

export const MiddlewareLive = Layer.unwrap(
  Effect.gen(function* () {
    const maxBodySize = yield* Config.ByteSize("HTTP_MAX_BODY_SIZE").pipe(Config.withDefault(ByteSize.mebibytes(1)))
    const requestTimeout = yield* Config.Duration("REQUEST_TIMEOUT").pipe(Config.withDefault(Duration.seconds(15)))
    return Middleware.layer({ maxBodySize, requestTimeout, quietPaths: QUIET })
  })
).pipe(Layer.provide(RateLimitLive))

/** Cross-origin access only for the origins configured in CORS_ALLOWED_ORIGINS (comma-separated). */
const CorsLive = Layer.unwrap(
  Effect.gen(function* () {
    const origins = yield* Config.String("CORS_ALLOWED_ORIGINS").pipe(Config.withDefault(""))
    const allowedOrigins = origins
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o.length > 0)
    if (allowedOrigins.length === 0) return Layer.empty
    return HttpRouter.cors({
      allowedOrigins,
      allowedMethods: ["GET", "POST", "PATCH", "DELETE"],
      allowedHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id"],
      exposedHeaders: ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"],
      credentials: true,
      maxAge: 600
    })
  })
)

export const ApiRoutes = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide([
    HealthHandlers,
    AuthHandlers,
    MeHandlers,
    OrgHandlers,
    ConnectionsHandlers,
    ProvidersHandlers,
    OrdersHandlers,
    WebhooksHandlers,
    G2AHandlers,
    ConnectHandlers,
    ConnectCallbackHandlers,
    ChannelsHandlers,
    CarriersHandlers,
    AmazonAdsHandlers,
    SessionHandlers
  ]),
  Layer.provide(AuthenticatedLive),
  Layer.provide(HttpApiMiddleware.layerProblemDetails({ includeDetails: true }))
)

/** Anything no route matched: a normalized 404 (through the middleware, so it carries a request id). */
const NotFoundRoute = HttpRouter.add("*", "/*", Effect.succeed(HttpServerResponse.empty({ status: 404 })))

export const Routes = Layer.mergeAll(ApiRoutes, ConsoleRoutes, NotFoundRoute, MiddlewareLive, CorsLive)

/**
 * What an HTTP app serves (the app, the tests and the benchmarks serve the same thing): the public routes on the
 * given server, and the operational ones beside them or, when they have a port of their own (see Ops), on theirs.
 */
export const serve = (options: { readonly disableListenLog?: boolean } = {}) =>
  Layer.unwrap(
    Effect.map(OpsPort, (opsPort) =>
      Option.match(opsPort, {
        onNone: () => HttpRouter.serve(Layer.merge(Routes, OpsRoutes), { disableLogger: true, ...options }),
        onSome: (port) =>
          Layer.merge(
            HttpRouter.serve(Routes, { disableLogger: true, ...options }).pipe(
              Layer.provide(Layer.succeed(PublicReadinessDetails, false))
            ),
            opsServer(port)
          )
      })
    )
  )

export const ServerLive = serve().pipe(
  Layer.provide(
    NodeHttpServer.layerConfig(createServer, {
      port: Config.Port("PORT").pipe(Config.withDefault(3000)),
      host: Config.String("HOST").pipe(Config.withDefault("0.0.0.0")),
      gracefulShutdownTimeout: Config.Duration("SHUTDOWN_TIMEOUT").pipe(Config.withDefault("20 seconds"))
    })
  )
)
