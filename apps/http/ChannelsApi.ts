/** Contract of a sales channel's order sync (connecting one is ConnectApi, for every provider). */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { ConnectionId } from "../../core/connections/Connection.ts"
import { Authenticated } from "./Authentication.ts"
import { BadGateway, Conflict, NotFound, ServiceUnavailable } from "./Problems.ts"

export class SyncReportView extends Schema.Class<SyncReportView>("SyncReport")({
  fetched: Schema.Int,
  created: Schema.Int,
  cancelled: Schema.Int,
  fulfilled: Schema.Int,
  unchanged: Schema.Int,
  failed: Schema.Array(Schema.Struct({ externalOrderId: Schema.String, detail: Schema.String })),
  cursor: Schema.NullOr(Schema.String)
}) {}

export class ChannelsGroup extends HttpApiGroup.make("channels")
  .add(
    HttpApiEndpoint.post("syncOrders", "/api/v1/connections/:id/sync", {
      params: { id: ConnectionId },
      success: SyncReportView,
      error: [NotFound, Conflict, BadGateway, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Imports the channel's orders changed since the connection's cursor (idempotent: running it twice imports nothing twice). 409 `needs_reauth` when the connection must be re-authorised."
    )
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Sales channels: order sync") {}
