/**
 * Contract of the connect flows, one set of routes for every provider whose catalogue entry can connect (its
 * `connectFields` say which install parameters it takes; GET /api/v1/providers lists them). `install` answers a
 * browser with a redirect to the provider's consent screen (or, asked for JSON, the URL); callbacks and returns
 * always end on the console with an outcome a person can read.
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { ProviderId } from "../../core/providers/Provider.ts"
import { Authenticated } from "./Authentication.ts"
import { Forbidden, NotFound, ServiceUnavailable } from "./Problems.ts"
import { Malformed } from "./WebhooksApi.ts"

export const AuthorizeRedirect = Schema.Struct({ authorizeUrl: Schema.String })

const Provider = { provider: ProviderId }
const Redirected = HttpApiSchema.Empty(303)

export class ConnectGroup extends HttpApiGroup.make("connect")
  .add(
    HttpApiEndpoint.get("install", "/api/v1/auth/:provider/install", {
      params: Provider,
      query: Schema.Record(Schema.String, Schema.String),
      success: AuthorizeRedirect,
      error: [Malformed, Forbidden, NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Starts connecting a provider account (admins). The query carries the provider's install parameters — Shopify `shop={name}.myshopify.com`, WooCommerce `store_url` (https, public addresses only), Amazon Ads `region=NA|EU|FE`; a value the provider cannot start with is 400 with a code (`invalid_shop_domain`, `store_url_not_allowed`, `invalid_region`). Redirects (302) to the provider's consent screen with the exact scopes, a single-use state bound to this browser (cookie `tp_oauth_{provider}`) and, where the provider supports it, PKCE; with `Accept: application/json` answers `{authorizeUrl}` instead. 404 for a provider that is unknown or not configured here."
    )
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Connecting provider accounts") {}

export class ConnectCallbackGroup extends HttpApiGroup.make("connectCallbacks")
  .add(
    HttpApiEndpoint.get("callback", "/api/v1/auth/:provider/callback", {
      params: Provider,
      success: Redirected
    }).annotate(
      OpenApi.Description,
      "The provider's redirect after consent. The provider's own proof is checked before the single-use state is touched (Shopify: the HMAC over every query parameter, the timestamp and the shop), then the state (this browser's), then the code is exchanged (Shopify: an expiring offline token; Amazon Ads: a refresh token, with the PKCE verifier). Always a redirect (303) to the console with `outcome=connected` or `outcome=error&reason=…&message=…`."
    ),
    HttpApiEndpoint.post("keys", "/api/v1/auth/:provider/callback", {
      params: Provider,
      payload: HttpApiSchema.StreamUint8Array({ contentType: ["application/json"], maxBytes: "16 KiB" }),
      success: Schema.Struct({ status: Schema.Literal("keys_received") }),
      error: [Malformed]
    }).annotate(
      OpenApi.Description,
      "A key exchange's server-to-server POST of the issued keys (WooCommerce). Accepted only for a live, single-use state in `user_id`; anything else is 400 (the store then deletes the key). The keys are held sealed until the browser that started the flow returns."
    ),
    HttpApiEndpoint.get("return", "/api/v1/auth/:provider/return", { params: Provider, success: Redirected }).annotate(
      OpenApi.Description,
      "Where a key exchange sends the browser back (`success=0|1&user_id=…`): connects only if the keys really arrived AND this is the browser that started the flow; redirects (303) to the console with the outcome."
    )
  )
  .annotate(OpenApi.Description, "Provider callbacks (no bearer token: the single-use state identifies the flow)") {}
