/** Contract of the connections endpoints: what is connected, token health, and disconnecting. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { ConnectionId, ConnectionStatus, ProviderId } from "../../core/connections/Connection.ts"
import { Authenticated } from "./Authentication.ts"
import { Forbidden, NotFound, ServiceUnavailable } from "./Problems.ts"

export class ConnectionView extends Schema.Class<ConnectionView>("ConnectionView")({
  id: ConnectionId,
  provider: ProviderId,
  externalAccount: Schema.String,
  displayName: Schema.String,
  status: ConnectionStatus,
  tokenExpiresAt: Schema.NullOr(Schema.String),
  lastRefreshedAt: Schema.NullOr(Schema.String),
  lastError: Schema.NullOr(Schema.String),
  /** Non-secret choices made on the connection (e.g. the Amazon Ads `profileId` in use). */
  settings: Schema.Record(Schema.String, Schema.String)
}) {}

export class TokenHealth extends Schema.Class<TokenHealth>("TokenHealth")({
  id: ConnectionId,
  provider: ProviderId,
  status: ConnectionStatus,
  token: Schema.Literals(["fresh", "due", "expired", "none"]),
  expiresAt: Schema.NullOr(Schema.String),
  expiresInSeconds: Schema.NullOr(Schema.Int),
  /** When the scheduler refreshes it next: 5 minutes before expiry, or a day after the last refresh if sooner. */
  nextRefreshAt: Schema.NullOr(Schema.String),
  lastRefreshedAt: Schema.NullOr(Schema.String),
  lastError: Schema.NullOr(Schema.String)
}) {}

const byId = { id: ConnectionId }

export class CustomSourceCreated extends Schema.Class<CustomSourceCreated>("CustomSourceCreated")({
  connection: ConnectionView,
  webhookUrl: Schema.String,
  /** Shown once: Tradeport stores it sealed and never returns it again. */
  webhookSecret: Schema.String
}) {}

export class ConnectionsGroup extends HttpApiGroup.make("connections")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/connections", {
      success: Schema.Struct({ connections: Schema.Array(ConnectionView) }),
      error: ServiceUnavailable
    }),
    HttpApiEndpoint.get("get", "/api/v1/connections/:id", {
      params: byId,
      success: ConnectionView,
      error: [NotFound, ServiceUnavailable]
    }),
    HttpApiEndpoint.get("status", "/api/v1/connections/:id/status", {
      params: byId,
      success: TokenHealth,
      error: [NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Connection status and token health: freshness, expiry countdown, last refresh, last error."
    ),
    HttpApiEndpoint.post("createCustomSource", "/api/v1/connections/custom", {
      payload: Schema.Struct({
        name: Schema.String.pipe(Schema.check(Schema.isTrimmed(), Schema.isMinLength(1), Schema.isMaxLength(100)))
      }),
      success: CustomSourceCreated.pipe(HttpApiSchema.status(201)),
      error: [Forbidden, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "A custom source pushes order events signed with the Standard Webhooks scheme to the returned URL. The secret is shown once (admins)."
    ),
    HttpApiEndpoint.delete("disconnect", "/api/v1/connections/:id", {
      params: byId,
      success: ConnectionView,
      error: [Forbidden, NotFound, ServiceUnavailable]
    }).annotate(OpenApi.Description, "Disconnect: the stored credentials are wiped (admins).")
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Provider connections") {}
