/**
 * DHL eCommerce in the provider catalogue: a carrier reached with the merchant's own API client (client
 * credentials); an account also names the distribution center it ships from.
 */
import { Effect } from "effect"
import { ConnectField, ProviderDescriptor } from "../../../core/providers/Provider.ts"
import { CarrierRejected } from "../../../core/shipping/Shipment.ts"
import { carrierAdapter, carrierCredentials, carrierFields, loadBaseUrl, refreshGrant } from "../shared/Carriers.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import type { Register } from "../shared/Registration.ts"
import { carrier } from "./DhlClient.ts"
import * as Dhl from "./DhlContract.ts"

export const descriptor = new ProviderDescriptor({
  id: "dhl",
  displayName: "DHL eCommerce",
  kind: "carrier",
  auth: "client_credentials",
  scopes: [],
  endpoints: Dhl.HOSTS,
  refresh: "client_credentials",
  webhooks: "none",
  capabilities: ["rates", "labels", "tracking"],
  connectFields: [
    ...carrierFields,
    new ConnectField({ name: "distributionCenter", label: "Distribution center", input: "text", placeholder: "USATL1" })
  ],
  documentation: "https://docs.api.dhlecs.com/"
})

export const register: Register<ProviderClient> = (appEnv) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const { base, problems, enabled } = yield* loadBaseUrl("dhl", Dhl.HOSTS, appEnv)
    if (!enabled) return { problems, provider: { descriptor, configured: false } }
    const endpoints = { carrier: "dhl", baseUrl: base, tokenPath: Dhl.TOKEN_PATH }
    return {
      problems,
      provider: {
        descriptor,
        configured: true,
        carrier: carrierAdapter(endpoints, client, {
          check: (input) =>
            input.distributionCenter === undefined
              ? new CarrierRejected({ carrier: "dhl", code: "distribution_center_required" })
              : undefined,
          open: (account) => {
            const { accountNumber, distributionCenter } = carrierCredentials(account)
            return carrier(endpoints, account.connection.organizationId, account.connection.id, {
              pickup: accountNumber,
              distributionCenter: distributionCenter ?? ""
            })
          }
        }),
        refreshGrant: refreshGrant(endpoints, client)
      }
    }
  })
