/**
 * Amazon Ads in the provider catalogue: advertising accounts connected through Login with Amazon (authorization code
 * with PKCE, per region), tokens renewed with the refresh token. Configured when AMAZON_ADS_CLIENT_ID is set.
 */
import { Effect, Option, Schema } from "effect"
import type { AdProfile } from "../../../core/advertising/Advertising.ts"
import { ConnectField, ProviderDescriptor } from "../../../core/providers/Provider.ts"
import type { Register } from "../shared/Registration.ts"
import { AmazonAdsClient } from "./AmazonAdsClient.ts"
import { HOSTS, type ProfileWire, Region, SCOPE } from "./AmazonAdsContract.ts"
import { connectAdapter } from "./connect.ts"

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
  connectFields: [
    new ConnectField({
      name: "region",
      label: "Region",
      input: "choice",
      choices: [
        { value: "NA", label: "North America" },
        { value: "EU", label: "Europe" },
        { value: "FE", label: "Far East" }
      ]
    })
  ],
  documentation: "https://advertising.amazon.com/API/docs/en-us"
})

const toProfile = (p: ProfileWire): AdProfile => ({
  profileId: p.profileId,
  countryCode: p.countryCode,
  currencyCode: p.currencyCode,
  accountId: p.accountInfo.id,
  accountType: p.accountInfo.type,
  accountName: p.accountInfo.name ?? null
})

export const register: Register<AmazonAdsClient> = () =>
  Effect.gen(function* () {
    const { api } = yield* AmazonAdsClient
    return {
      problems: [],
      provider: Option.match(api, {
        onNone: () => ({ descriptor, configured: false }),
        onSome: (amazon) => ({
          descriptor,
          configured: true,
          refreshGrant: amazon.refreshGrant,
          connect: connectAdapter(amazon),
          ads: {
            profiles: (account) =>
              Effect.gen(function* () {
                const region = Schema.decodeUnknownOption(Region)(account.connection.externalAccount.split(":")[0])
                if (Option.isNone(region)) return yield* Effect.die(new Error("amazon_ads connection without region"))
                const profiles = yield* amazon.profiles(
                  account.connection.organizationId,
                  account.connection.id,
                  region.value
                )
                return profiles.map(toProfile)
              })
          }
        })
      })
    }
  })
