/** FedEx in the provider catalogue: a carrier reached with the merchant's own API project (client credentials). */
import { ProviderDescriptor } from "../../../core/providers/Provider.ts"
import { carrierCredentials, carrierFields, registerCarrier } from "../shared/Carriers.ts"
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

export const register = registerCarrier({
  descriptor,
  hosts: FedEx.HOSTS,
  tokenPath: FedEx.TOKEN_PATH,
  open: (endpoints, account) =>
    carrier(
      endpoints,
      account.connection.organizationId,
      account.connection.id,
      carrierCredentials(account).accountNumber
    )
})
