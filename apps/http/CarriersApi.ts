/**
 * Contract of carrier accounts (every carrier in the provider catalogue) and order shipments: add an account (credentials checked
 * with the carrier first), quote, buy a label (Idempotency-Key required: a label costs money), list shipments.
 * A carrier that is failing answers 503 `carrier_unavailable` with Retry-After (its circuit opens after 5
 * consecutive timeouts or outages, and calls then fail fast).
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { OrderId } from "../../core/orders/Order.ts"
import { Address, Parcel, ProviderId, RateQuote, Shipment } from "../../core/shipping/Shipment.ts"
import { Authenticated } from "./Authentication.ts"
import { ConnectionView } from "./ConnectionsApi.ts"
import { Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

const Secret = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(256)))

export const CarrierAccountInput = Schema.Struct({
  clientId: Schema.String.pipe(Schema.check(Schema.isTrimmed(), Schema.isMinLength(1), Schema.isMaxLength(256))),
  clientSecret: Secret,
  accountNumber: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9-]{3,32}$/))),
  /** DHL eCommerce only: the distribution center the pickup account ships from (e.g. USATL1). */
  distributionCenter: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z0-9]{3,12}$/))))
})

const ShipmentInput = {
  connectionId: Schema.String.pipe(Schema.check(Schema.isUUID())),
  from: Address,
  to: Address,
  parcel: Parcel
}

export class CarriersGroup extends HttpApiGroup.make("carriers")
  .add(
    HttpApiEndpoint.post("addAccount", "/api/v1/carriers/:carrier", {
      params: { carrier: ProviderId },
      payload: CarrierAccountInput,
      success: ConnectionView.pipe(HttpApiSchema.status(201)),
      error: [Forbidden, NotFound, Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Adds a carrier account (admins) at any provider of kind `carrier` in GET /api/v1/providers (404 `provider_not_found` otherwise). The credentials are checked by fetching a token first: refused → 422 `carrier_credentials_refused` and nothing is stored. Stored sealed; list, read and disconnect through /api/v1/connections."
    ),
    HttpApiEndpoint.get("listAccounts", "/api/v1/carriers", {
      success: Schema.Struct({ accounts: Schema.Array(ConnectionView) }),
      error: ServiceUnavailable
    }),
    HttpApiEndpoint.post("quote", "/api/v1/orders/:id/shipping/quotes", {
      params: { id: OrderId },
      payload: Schema.Struct(ShipmentInput),
      success: Schema.Struct({ quotes: Schema.Array(RateQuote) }),
      error: [NotFound, Conflict, Unprocessable, ServiceUnavailable]
    }),
    HttpApiEndpoint.post("ship", "/api/v1/orders/:id/shipments", {
      params: { id: OrderId },
      headers: { "idempotency-key": Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(255))) },
      payload: Schema.Struct({
        ...ShipmentInput,
        service: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/)))
      }),
      success: Shipment.pipe(HttpApiSchema.status(201)),
      error: [NotFound, Conflict, Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Buys a label for the order and stores the shipment with its tracking number. Idempotency-Key required: a retry replays the first answer, never buys twice. 409 `label_outcome_unknown` when the carrier did not confirm (check with the carrier before retrying with a new key)."
    ),
    HttpApiEndpoint.get("shipments", "/api/v1/orders/:id/shipments", {
      params: { id: OrderId },
      success: Schema.Struct({ shipments: Schema.Array(Shipment) }),
      error: [NotFound, ServiceUnavailable]
    })
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Carrier accounts and shipments") {}
