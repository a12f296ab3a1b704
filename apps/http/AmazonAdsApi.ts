/**
 * Contract of Amazon Ads: the advertiser profiles a connection can act for, and choosing the one in use (sent as
 * `Amazon-Advertising-API-Scope`). Connecting is ConnectApi (`region=NA|EU|FE`).
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { ConnectionId } from "../../core/connections/Connection.ts"
import { Authenticated } from "./Authentication.ts"
import { ConnectionView } from "./ConnectionsApi.ts"
import { BadGateway, Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

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
