/**
 * The FedEx carrier: one account (connection) → a CarrierApi (rate quotes, labels, tracking) over the shared
 * ProviderClient (circuit `fedex`: 5 consecutive timeouts or outages open it, calls then fail fast as
 * CarrierUnavailable) with the account's client-credentials token.
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import type { OrgId } from "../../../core/shared/Ids.ts"
import { CarrierRejected } from "../../../core/shipping/Shipment.ts"
import type { CarrierEndpoints } from "../shared/Carriers.ts"
import { withCarrierToken } from "../shared/Carriers.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import { ProviderError } from "../../../core/providers/ProviderError.ts"
import type { ShipmentRequest } from "../../../core/shipping/Shipment.ts"
import * as FedEx from "./FedExContract.ts"

const post = <A, I>(
  endpoints: CarrierEndpoints,
  path: string,
  body: unknown,
  response: Schema.Codec<A, I>,
  token: Redacted.Redacted<string>,
  idempotent = true
) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const answer = yield* client.execute(
      HttpClientRequest.post(`${endpoints.baseUrl}${path}`).pipe(
        HttpClientRequest.bodyJsonUnsafe(body),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bearerToken(Redacted.value(token)),
        HttpClientRequest.setHeader("x-locale", "en_US")
      ),
      { provider: "fedex", operation: path, idempotent }
    )
    return yield* answer.json.pipe(
      Effect.flatMap(Schema.decodeUnknownEffect(response)),
      Effect.mapError(() => new ProviderError({ provider: "fedex", operation: path, reason: "Decode" }))
    )
  })

export const carrier = (
  endpoints: CarrierEndpoints,
  organizationId: OrgId,
  connectionId: string,
  accountNumber: string
) => ({
  carrier: "fedex" as const,
  connectionId,
  quote: (request: ShipmentRequest) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      post(endpoints, "/rate/v1/rates/quotes", FedEx.rateRequest(accountNumber, request), FedEx.RateResponse, token)
    ).pipe(Effect.map(FedEx.toQuotes)),
  // Buying a label costs money: never re-sent after an attempt that may have reached FedEx.
  label: (request: ShipmentRequest, service: string, reference: string) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      post(
        endpoints,
        "/ship/v1/shipments",
        FedEx.shipRequest(accountNumber, request, service, reference),
        FedEx.ShipResponse,
        token,
        false
      )
    ).pipe(
      Effect.flatMap((r) =>
        Option.match(FedEx.toLabel(r), {
          onNone: () => Effect.fail(new CarrierRejected({ carrier: "fedex", code: "no_shipment" })),
          onSome: Effect.succeed
        })
      )
    ),
  track: (trackingNumber: string) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      post(endpoints, "/track/v1/trackingnumbers", FedEx.trackRequest(trackingNumber), FedEx.TrackResponse, token)
    ).pipe(
      Effect.flatMap((r) => {
        const result = r.output.completeTrackResults[0]?.trackResults[0]
        if (result === undefined || result.error !== undefined) {
          return Effect.fail(new CarrierRejected({ carrier: "fedex", code: result?.error?.code ?? "not_found" }))
        }
        return Effect.succeed({
          trackingNumber,
          status: FedEx.statusOf(result.latestStatusDetail?.code),
          description: result.latestStatusDetail?.description ?? ""
        })
      })
    )
})
