/**
 * The DHL eCommerce carrier: one account (connection) → a CarrierApi (products with rates, labels, tracking)
 * over the shared ProviderClient (circuit `dhl`) with the account's client-credentials token.
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import type { OrgId } from "../../../core/shared/Ids.ts"
import { CarrierRejected, type ShipmentRequest } from "../../../core/shipping/Shipment.ts"
import { type CarrierEndpoints, withCarrierToken } from "../shared/Carriers.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import { ProviderError } from "../../../core/providers/ProviderError.ts"
import * as Dhl from "./DhlContract.ts"

const call = <A, I>(
  request: HttpClientRequest.HttpClientRequest,
  operation: string,
  response: Schema.Codec<A, I>,
  token: Redacted.Redacted<string>,
  idempotent = true
) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const answer = yield* client.execute(
      request.pipe(HttpClientRequest.acceptJson, HttpClientRequest.bearerToken(Redacted.value(token))),
      { provider: "dhl", operation, idempotent }
    )
    return yield* answer.json.pipe(
      Effect.flatMap(Schema.decodeUnknownEffect(response)),
      Effect.mapError(() => new ProviderError({ provider: "dhl", operation, reason: "Decode" }))
    )
  })

export const carrier = (
  endpoints: CarrierEndpoints,
  organizationId: OrgId,
  connectionId: string,
  account: Dhl.DhlAccount
) => ({
  carrier: "dhl" as const,
  connectionId,
  quote: (request: ShipmentRequest) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      call(
        HttpClientRequest.post(`${endpoints.baseUrl}/shipping/v4/products`).pipe(
          HttpClientRequest.bodyJsonUnsafe(Dhl.productsRequest(account, request))
        ),
        "/shipping/v4/products",
        Dhl.ProductsResponse,
        token
      )
    ).pipe(Effect.map(Dhl.toQuotes)),
  // Buying a label: never re-sent after an attempt that may have reached DHL.
  label: (request: ShipmentRequest, service: string, reference: string) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      call(
        HttpClientRequest.post(`${endpoints.baseUrl}/shipping/v4/label`, { urlParams: { format: "PNG" } }).pipe(
          HttpClientRequest.bodyJsonUnsafe(Dhl.labelRequest(account, request, service, reference))
        ),
        "/shipping/v4/label",
        Dhl.LabelResponse,
        token,
        false
      )
    ).pipe(
      Effect.flatMap((r) =>
        Option.match(Dhl.toLabel(r, service), {
          onNone: () => Effect.fail(new CarrierRejected({ carrier: "dhl", code: "no_label" })),
          onSome: Effect.succeed
        })
      )
    ),
  track: (trackingNumber: string) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      call(
        HttpClientRequest.get(`${endpoints.baseUrl}/tracking/v4/package/open`, {
          urlParams: { dhlPackageId: trackingNumber }
        }),
        "/tracking/v4/package/open",
        Dhl.TrackResponse,
        token
      )
    ).pipe(
      Effect.flatMap((r) => {
        const found = r.packages[0]
        if (found === undefined) return Effect.fail(new CarrierRejected({ carrier: "dhl", code: "not_found" }))
        const latest = found.events[0]?.primaryEventDescription
        return Effect.succeed({ trackingNumber, status: Dhl.statusOf(latest), description: latest ?? "" })
      })
    )
})
