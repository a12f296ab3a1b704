/**
 * DHL eCommerce in the provider catalogue: a carrier reached with the merchant's own API client (client
 * credentials); an account also names the distribution center it ships from.
 */
import { ConnectField, ProviderDescriptor } from "../../../core/providers/Provider.ts"
import { CarrierRejected } from "../../../core/shipping/Shipment.ts"
import { carrierCredentials, carrierFields, registerCarrier } from "../shared/Carriers.ts"
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

export const register = registerCarrier({
  descriptor,
  hosts: Dhl.HOSTS,
  tokenPath: Dhl.TOKEN_PATH,
  check: (input) =>
    input.distributionCenter === undefined
      ? new CarrierRejected({ carrier: "dhl", code: "distribution_center_required" })
      : undefined,
  open: (endpoints, account) => {
    const { accountNumber, distributionCenter } = carrierCredentials(account)
    return carrier(endpoints, account.connection.organizationId, account.connection.id, {
      pickup: accountNumber,
      distributionCenter: distributionCenter ?? ""
    })
  }
})
