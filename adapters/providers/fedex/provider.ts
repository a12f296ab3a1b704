/** FedEx in the provider catalogue: a carrier reached with the merchant's own API project (client credentials). */
import { Effect } from "effect"
import { ProviderDescriptor } from "../../../core/providers/Provider.ts"
import { carrierAdapter, carrierCredentials, carrierFields, loadBaseUrl, refreshGrant } from "../shared/Carriers.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import type { Register } from "../shared/Registration.ts"
import { carrier } from "./FedExClient.ts"
import * as FedEx from "./FedExContract.ts"

export const descriptor = new ProviderDescriptor({
  id: "fedex",
  displayName: "FedEx",
  kind: "carrier",
  auth: "client_credentials",
  scopes: [],
  endpoints: FedEx.HOSTS,
  refresh: "client_credentials",
  webhooks: "none",
  capabilities: ["rates", "labels", "tracking"],
  connectFields: carrierFields,
  documentation: "https://developer.fedex.com/api/en-us/catalog.html"
})

export const register: Register<ProviderClient> = (appEnv) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const { base, problems, enabled } = yield* loadBaseUrl("fedex", FedEx.HOSTS, appEnv)
    if (!enabled) return { problems, provider: { descriptor, configured: false } }
    const endpoints = { carrier: "fedex", baseUrl: base, tokenPath: FedEx.TOKEN_PATH }
    return {
      problems,
      provider: {
        descriptor,
        configured: true,
        carrier: carrierAdapter(endpoints, client, {
          open: (account) =>
            carrier(
              endpoints,
              account.connection.organizationId,
              account.connection.id,
              carrierCredentials(account).accountNumber
            )
        }),
        refreshGrant: refreshGrant(endpoints, client)
      }
    }
  })
