/**
 * The UPS carrier: one account (connection) → its operations (Shop rates, labels, tracking) over the shared
 * ProviderClient (provider and circuit `ups`) with the account's client-credentials token. Owns the UPS request
 * headers (`transId`, `transactionSrc`), decoding with UpsContract, and how UPS answers become carrier errors.
 * Does not own tokens, retries or the circuit (shared Carriers.ts and ProviderClient.ts), nor wire formats
 * (UpsContract.ts).
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import { ProviderError } from "../../../core/providers/ProviderError.ts"
import type { OrgId } from "../../../core/shared/Ids.ts"
import { CarrierRejected, type ShipmentRequest } from "../../../core/shipping/Shipment.ts"
import { type CarrierEndpoints, type RawCarrierApi, withCarrierToken } from "../shared/Carriers.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import * as Ups from "./UpsContract.ts"

/** Path templates for logs and metrics (never a tracking number). */
const OPERATIONS = {
  rate: `/api/rating/${Ups.API_VERSION}/Shop`,
  ship: Ups.SHIP_PATH,
  track: "/api/track/v1/details/{inquiryNumber}"
} as const

/**
 * UPS refusals by HTTP status. The shared client reads only a top-level `error`/`code` into `detail`, so UPS's
 * nested `{response: {errors: [{code}]}}` is not available for 4xx answers; its code is used when it is.
 */
const REFUSALS: Record<number, string> = { 400: "invalid_request", 403: "not_permitted", 404: "not_found" }

const refusal = (e: ProviderError) =>
  e.reason !== "Rejected" || e.detail !== undefined
    ? e
    : new ProviderError({
        provider: e.provider,
        operation: e.operation,
        reason: e.reason,
        status: e.status,
        detail: REFUSALS[e.status ?? 0] ?? "rejected"
      })

interface Call<A, I> {
  readonly operation: string
  readonly response: Schema.Codec<A, I>
  /** False for a purchase: never re-sent after an attempt that may have reached UPS. */
  readonly idempotent: boolean
  /** Whether a 2xx body in UPS's error shape is read as UPS's refusal (never for a purchase: outcome unknown). */
  readonly readsErrors: boolean
}

const send = <A, I>(request: HttpClientRequest.HttpClientRequest, token: Redacted.Redacted<string>, call: Call<A, I>) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const answer = yield* client
      .execute(
        request.pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.bearerToken(Redacted.value(token)),
          // A fresh transId per request (a refreshed-token retry is a new request); the same across network retries.
          HttpClientRequest.setHeaders(Ups.transactionHeaders())
        ),
        { provider: "ups", circuit: "ups", operation: call.operation, idempotent: call.idempotent }
      )
      .pipe(Effect.mapError(refusal))
    const body = yield* answer.json.pipe(Effect.orElseSucceed((): unknown => undefined))
    const decoded = Schema.decodeUnknownOption(call.response)(body)
    if (Option.isSome(decoded)) return decoded.value
    const upsError = call.readsErrors ? Ups.errorOf(body) : Option.none()
    return yield* new ProviderError({
      provider: "ups",
      operation: call.operation,
      reason: Option.isSome(upsError) ? "Rejected" : "Decode",
      status: answer.status,
      detail: Option.match(upsError, { onNone: () => "decode", onSome: (e) => e.code })
    })
  })

export const carrier = (
  endpoints: CarrierEndpoints,
  organizationId: OrgId,
  connectionId: string,
  accountNumber: string
): RawCarrierApi => ({
  quote: (request: ShipmentRequest) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      send(
        HttpClientRequest.post(`${endpoints.baseUrl}${Ups.ratePath("Shop")}`).pipe(
          HttpClientRequest.bodyJsonUnsafe(Ups.rateRequest(accountNumber, request))
        ),
        token,
        { operation: OPERATIONS.rate, response: Ups.RateResponse, idempotent: true, readsErrors: true }
      )
    ).pipe(Effect.map(Ups.toQuotes)),
  // Buying a label costs money: never re-sent after an attempt that may have reached UPS, and an unreadable 2xx
  // is "decode" / "no_label" (outcome unknown to the label use case), never a refusal.
  label: (request: ShipmentRequest, service: string, reference: string) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      send(
        HttpClientRequest.post(`${endpoints.baseUrl}${Ups.SHIP_PATH}`).pipe(
          HttpClientRequest.bodyJsonUnsafe(Ups.shipRequest(accountNumber, request, service, reference))
        ),
        token,
        { operation: OPERATIONS.ship, response: Ups.ShipResponse, idempotent: false, readsErrors: false }
      )
    ).pipe(
      Effect.flatMap((response) =>
        Option.match(Ups.toLabel(response, service), {
          onNone: () => Effect.fail(new CarrierRejected({ carrier: "ups", code: "no_label" })),
          onSome: Effect.succeed
        })
      )
    ),
  track: (trackingNumber: string) =>
    withCarrierToken(endpoints, organizationId, connectionId, (token) =>
      send(
        HttpClientRequest.get(`${endpoints.baseUrl}${Ups.trackPath(trackingNumber)}`, {
          urlParams: { locale: "en_US", returnSignature: "false" }
        }),
        token,
        { operation: OPERATIONS.track, response: Ups.TrackResponse, idempotent: true, readsErrors: true }
      )
    ).pipe(
      Effect.flatMap((response) =>
        Option.match(Ups.trackingOf(response), {
          // TW0001: UPS has no information on this number (yet).
          onNone: () => {
            const warning = Option.getOrElse(Ups.trackWarning(response), () => "TW0001")
            const code = warning === "TW0001" ? "not_found" : warning
            return Effect.fail(new CarrierRejected({ carrier: "ups", code }))
          },
          onSome: (update) => Effect.succeed({ ...update, trackingNumber })
        })
      )
    )
})
