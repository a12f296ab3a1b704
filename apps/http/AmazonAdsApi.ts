/**
 * Contract of Amazon Ads (Login with Amazon): connect per region, the callback, the advertiser profiles a
 * connection can act for, and choosing the one in use (sent as `Amazon-Advertising-API-Scope`).
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { AdsRegion } from "../../core/advertising/Advertising.ts"
import { ConnectionId } from "../../core/connections/Connection.ts"
import { Authenticated } from "./Authentication.ts"
import { AuthorizeRedirect } from "./ChannelsApi.ts"
import { ConnectionView } from "./ConnectionsApi.ts"
import { BadGateway, Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"
import { Malformed } from "./WebhooksApi.ts"

export const ProfileView = Schema.Struct({
  profileId: Schema.String,
  countryCode: Schema.String,
  currencyCode: Schema.String,
  accountId: Schema.String,
  accountType: Schema.String,
  accountName: Schema.NullOr(Schema.String)
})

export class AmazonAdsGroup extends HttpApiGroup.make("amazonAds")
  .add(
    HttpApiEndpoint.get("install", "/api/v1/auth/amazon_ads/install", {
      query: { region: AdsRegion },
      success: AuthorizeRedirect,
      error: [Malformed, Forbidden, NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Starts connecting Amazon Ads (admins) in a region (NA, EU, FE): 302 to Login with Amazon with scope advertising::campaign_management, a single-use state and PKCE (`Accept: application/json` → `{authorizeUrl}`)."
    ),
    HttpApiEndpoint.get("profiles", "/api/v1/connections/:id/amazon-ads/profiles", {
      params: { id: ConnectionId },
      success: Schema.Struct({ profiles: Schema.Array(ProfileView), selected: Schema.NullOr(Schema.String) }),
      error: [NotFound, Conflict, BadGateway, ServiceUnavailable]
    }),
    HttpApiEndpoint.put("selectProfile", "/api/v1/connections/:id/amazon-ads/profile", {
      params: { id: ConnectionId },
      payload: Schema.Struct({ profileId: Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{1,20}$/))) }),
      success: ConnectionView,
      error: [Forbidden, NotFound, Conflict, Unprocessable, BadGateway, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Chooses the advertiser profile this connection acts for (admins); it must be one the account can access (422 otherwise)."
    )
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Amazon Ads (Login with Amazon)") {}

export class AmazonAdsCallbackGroup extends HttpApiGroup.make("amazonAdsCallback").add(
  HttpApiEndpoint.get("callback", "/api/v1/auth/amazon_ads/callback", { success: HttpApiSchema.Empty(303) }).annotate(
    OpenApi.Description,
    "Login with Amazon's redirect: the single-use state (in this browser), then the code exchanged (with the PKCE verifier) for a refresh token stored sealed; 303 to the console with the outcome."
  )
) {}
