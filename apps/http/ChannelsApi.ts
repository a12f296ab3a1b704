/**
 * Contract of the sales-channel connect flows (Shopify OAuth, WooCommerce's key-issuing endpoint) and the order
 * sync. `install` answers a browser with a redirect to the provider's consent screen (or, asked for JSON, the URL);
 * callbacks and returns always end on the console with an outcome a person can read.
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { ConnectionId } from "../../core/connections/Connection.ts"
import { Authenticated } from "./Authentication.ts"
import { BadGateway, Conflict, Forbidden, NotFound, ServiceUnavailable } from "./Problems.ts"
import { Malformed } from "./WebhooksApi.ts"

export const AuthorizeRedirect = Schema.Struct({ authorizeUrl: Schema.String })

const Redirected = HttpApiSchema.Empty(303)
const InvalidInput = Malformed

export class SyncReportView extends Schema.Class<SyncReportView>("SyncReport")({
  fetched: Schema.Int,
  created: Schema.Int,
  cancelled: Schema.Int,
  fulfilled: Schema.Int,
  unchanged: Schema.Int,
  failed: Schema.Array(Schema.Struct({ externalOrderId: Schema.String, detail: Schema.String })),
  cursor: Schema.NullOr(Schema.String)
}) {}

export class ChannelInstallGroup extends HttpApiGroup.make("channelInstall")
  .add(
    HttpApiEndpoint.get("shopifyInstall", "/api/v1/auth/shopify/install", {
      query: { shop: Schema.String },
      success: AuthorizeRedirect,
      error: [InvalidInput, Forbidden, NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Starts connecting a Shopify shop (admins): `shop` must be `{name}.myshopify.com`. Redirects (302) to the shop's permission screen with the exact scopes and this environment's callback; with `Accept: application/json` answers `{authorizeUrl}` instead."
    ),
    HttpApiEndpoint.get("wooInstall", "/api/v1/auth/woocommerce/install", {
      query: { store_url: Schema.String },
      success: AuthorizeRedirect,
      error: [InvalidInput, Forbidden, NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Starts connecting a WooCommerce store (admins). The store URL must be https and resolve to public addresses only (400 `store_url_not_allowed` otherwise). Redirects (302) to `{store}/wc-auth/v1/authorize`; JSON on request."
    ),
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
  .annotate(OpenApi.Description, "Connecting sales channels") {}

export class ChannelCallbackGroup extends HttpApiGroup.make("channelCallbacks")
  .add(
    HttpApiEndpoint.get("shopifyCallback", "/api/v1/auth/shopify/callback", { success: Redirected }).annotate(
      OpenApi.Description,
      "Shopify's redirect after consent. Verifies the HMAC over every query parameter, the timestamp, the shop and the single-use state, exchanges the code for an expiring offline token, and redirects (303) to the console with `outcome=connected` or `outcome=error&reason=…&message=…`."
    ),
    HttpApiEndpoint.post("wooCallback", "/api/v1/auth/woocommerce/callback", {
      payload: HttpApiSchema.StreamUint8Array({ contentType: ["application/json"], maxBytes: "16 KiB" }),
      success: Schema.Struct({ status: Schema.Literal("keys_received") }),
      error: [InvalidInput]
    }).annotate(
      OpenApi.Description,
      "The store's server-to-server POST of the issued keys. Accepted only for a live, single-use state in `user_id`; anything else is 400 (the store then deletes the key). The keys are held sealed until the browser that started the flow returns."
    ),
    HttpApiEndpoint.get("wooReturn", "/api/v1/auth/woocommerce/return", { success: Redirected }).annotate(
      OpenApi.Description,
      "Where the store sends the browser back (`success=0|1&user_id=…`): connects the store only if the keys really arrived AND this is the browser that started the flow (its `tp_oauth_woocommerce` cookie); redirects (303) to the console with the outcome."
    )
  )
  .annotate(OpenApi.Description, "Provider callbacks (no bearer token: the single-use state identifies the flow)") {}
