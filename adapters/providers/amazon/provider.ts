/**
 * Amazon Ads in the provider catalogue: advertising accounts connected through Login with Amazon (authorization code
 * with PKCE, per region), tokens renewed with the refresh token. Configured when AMAZON_ADS_CLIENT_ID is set.
 */
import { Effect, Option } from "effect"
import { ProviderDescriptor } from "../../../core/providers/Provider.ts"
import type { Register } from "../shared/Registration.ts"
import { AmazonAdsClient } from "./AmazonAdsClient.ts"
import { HOSTS, SCOPE } from "./AmazonAdsContract.ts"

export const descriptor = new ProviderDescriptor({
  id: "amazon_ads",
  displayName: "Amazon Ads",
  kind: "ads",
  auth: "authorization_code_pkce",
  scopes: [SCOPE],
  endpoints: Object.fromEntries(Object.entries(HOSTS).map(([region, hosts]) => [region, hosts.api])),
  refresh: "refresh_token",
  webhooks: "none",
  capabilities: ["profiles"],
  documentation: "https://advertising.amazon.com/API/docs/en-us"
})

export const register: Register<AmazonAdsClient> = () =>
  Effect.gen(function*() {
    const { api } = yield* AmazonAdsClient
    return {
      problems: [],
      provider: Option.match(api, {
        onNone: () => ({ descriptor, configured: false }),
        onSome: (amazon) => ({ descriptor, configured: true, refreshGrant: amazon.refreshGrant })
      })
    }
  })
