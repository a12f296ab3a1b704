/**
 * The HTTP API contract (HttpApi): groups, endpoints, payloads and the problems each can return. The OpenAPI
 * document at /openapi.json is generated from this file. Unknown body fields are rejected (400) API-wide.
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, OpenApi } from "effect/http-api"
import { HttpApiError } from "effect/http-api"
import { AuthGroup, MeGroup } from "./AuthApi.ts"
import { AmazonAdsGroup } from "./AmazonAdsApi.ts"
import { CarriersGroup } from "./CarriersApi.ts"
import { SessionGroup } from "./SessionApi.ts"
import { ChannelsGroup } from "./ChannelsApi.ts"
import { ConnectCallbackGroup, ConnectGroup } from "./ConnectApi.ts"
import { ConnectionsGroup } from "./ConnectionsApi.ts"
import { G2AGroup } from "./G2AApi.ts"
import { OrdersGroup } from "./OrdersApi.ts"
import { OrgGroup } from "./OrgApi.ts"
import { ProvidersGroup } from "./ProvidersApi.ts"
import { WebhooksGroup } from "./WebhooksApi.ts"

const ProbeStatus = Schema.Literals(["up", "down", "degraded", "disabled"])

export class ReadinessBody extends Schema.Class<ReadinessBody>("ReadinessBody")({
  status: Schema.Literals(["ready", "degraded"]),
  checks: Schema.Record(Schema.String, ProbeStatus),
  details: Schema.Record(Schema.String, Schema.String)
}) {}

export class NotReady extends HttpApiError.Problem<NotReady>()(
  "NotReady",
  {
    type: "https://tradeport.dev/problems/not-ready",
    status: 503,
    title: "Service Unavailable"
  },
  {
    code: Schema.Literal("not_ready"),
    readiness: Schema.Literal("unready"),
    checks: Schema.Record(Schema.String, ProbeStatus),
    details: Schema.Record(Schema.String, Schema.String)
  }
) {}

export class HealthGroup extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("live", "/health/live", { success: Schema.Struct({ status: Schema.Literal("ok") }) }),
    HttpApiEndpoint.get("ready", "/health/ready", { success: ReadinessBody, error: NotReady })
  )
  .annotate(OpenApi.Description, "Liveness and readiness probes (never rate limited)") {}

export class Api extends HttpApi.make("tradeport")
  .add(HealthGroup)
  .add(AuthGroup)
  .add(MeGroup)
  .add(OrgGroup)
  .add(ConnectionsGroup)
  .add(ProvidersGroup)
  .add(OrdersGroup)
  .add(WebhooksGroup)
  .add(G2AGroup)
  .add(ConnectGroup)
  .add(ConnectCallbackGroup)
  .add(ChannelsGroup)
  .add(CarriersGroup)
  .add(AmazonAdsGroup)
  .add(SessionGroup)
  .middleware(HttpApiMiddleware.ProblemDetails)
  .annotateMerge(
    OpenApi.annotations({
      title: "Tradeport API",
      version: "0.1.0",
      description:
        "Multi-tenant integration backend for commerce. Errors are RFC 9457 problem+json with a stable `code` and the `requestId`."
    })
  )
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error" }) {}
