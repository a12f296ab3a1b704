/**
 * UPS in the provider catalogue: a carrier reached with the merchant's own UPS developer app (client credentials,
 * sent as HTTP Basic, the only scheme UPS's token endpoint takes) and its 6-character shipper number. Settings:
 * `UPS_ENV` (sandbox = UPS's Customer Integration Environment, or live) and `UPS_API_URL`.
 */
import { ProviderDescriptor } from "../../../core/providers/Provider.ts"
import { CarrierRejected } from "../../../core/shipping/Shipment.ts"
import { carrierCredentials, carrierFields, registerCarrier } from "../shared/Carriers.ts"
import { carrier } from "./UpsClient.ts"
import * as Ups from "./UpsContract.ts"

export const descriptor = new ProviderDescriptor({
  id: "ups",
  displayName: "UPS",
  kind: "carrier",
  auth: "client_credentials",
  scopes: [],
  endpoints: Ups.HOSTS,
  refresh: "client_credentials",
  webhooks: "none",
  capabilities: ["rates", "labels", "tracking"],
  connectFields: carrierFields,
  documentation: "https://developer.ups.com/api/reference"
})

/** UPS shipper (account) numbers are 6 letters or digits; anything else UPS refuses on every call. */
const SHIPPER_NUMBER = /^[A-Za-z0-9]{6}$/

export const register = registerCarrier({
  descriptor,
  hosts: Ups.HOSTS,
  tokenPath: Ups.TOKEN_PATH,
  // UPS's token endpoint takes the client id and secret as HTTP Basic only.
  clientAuth: "basic",
  check: (input) =>
    SHIPPER_NUMBER.test(input.accountNumber)
      ? undefined
      : new CarrierRejected({ carrier: "ups", code: "shipper_number_invalid" }),
  open: (endpoints, account) =>
    carrier(
      endpoints,
      account.connection.organizationId,
      account.connection.id,
      carrierCredentials(account).accountNumber.toUpperCase()
    )
})
