/**
 * Carrier accounts and shipments. Credentials are proven with the carrier before anything is stored; a label is
 * bought once per Idempotency-Key; carrier failures become 503 (try later, Retry-After) or 422 (the carrier refused
 * the request), and a label whose outcome the carrier did not confirm is 409 `label_outcome_unknown`, remembered
 * under the key so a retry never buys a second label.
 */
import { DateTime, Effect, Option, Redacted, Schema } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { verifyCredentials } from "../../adapters/providers/shared/Carriers.ts"
import { ConnectionId } from "../../core/connections/Connection.ts"
import * as Connections from "../../core/connections/Connections.ts"
import { expiryFrom } from "../../core/connections/TokenLifecycle.ts"
import type { Principal } from "../../core/identity/Principal.ts"
import { requireRole } from "../../core/identity/Roles.ts"
import type { OrderId } from "../../core/orders/Order.ts"
import { OrderRepository } from "../../core/orders/ports/OrderRepository.ts"
import { type Address, type CarrierRejected, type CarrierUnavailable, type Parcel, Shipment } from "../../core/shipping/Shipment.ts"
import { ShipmentRepository } from "../../core/shipping/ports/ShipmentRepository.ts"
import * as Shipping from "../../core/shipping/Shipping.ts"
import { CarrierEndpointsConfig, carrierApi, isCarrier } from "../shared/Carriers.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { toView } from "./ConnectionsHandlers.ts"
import { problems } from "./ErrorMapping.ts"
import { claimKey } from "./Idempotency.ts"
import { IdempotencyStore } from "../../core/idempotency/ports/IdempotencyStore.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import type { OrgId } from "../../core/shared/Ids.ts"
import { Conflict, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

const unavailable = (e: CarrierUnavailable) =>
  Effect.fail(new ServiceUnavailable({ code: "carrier_unavailable", retryAfterSeconds: e.retryAfterSeconds, detail: `${e.carrier} is not answering normally; retry later.` }))
const rejected = (e: CarrierRejected) =>
  Effect.fail(new Unprocessable({ code: "carrier_rejected", detail: `${e.carrier} refused the request (${e.code.slice(0, 80)}).` }))

/** The caller's carrier connection named in the request. */
const carrierFor = (principal: Principal, connectionId: string) =>
  Effect.gen(function*() {
    const connection = yield* Connections.get(principal, ConnectionId.make(connectionId))
    if (connection.status !== "connected") return yield* new Conflict({ code: `connection_${connection.status}`, detail: "The carrier account is not connected." })
    const api = yield* carrierApi(connection)
    if (Option.isNone(api)) return yield* new Conflict({ code: "not_a_carrier", detail: "This connection is not a carrier account." })
    return api.value
  }).pipe(Effect.catchTag("ConnectionNotFound", () => Effect.fail(new NotFound({ code: "connection_not_found" }))))

const orderExists = (principal: Principal, id: OrderId) =>
  Effect.gen(function*() {
    return Option.isSome(yield* (yield* OrderRepository).get(principal.organizationId, id))
  })

const orderProblems = {
  OrderNotFound: () => Effect.fail(new NotFound({ code: "order_not_found" })),
  OrderNotShippable: () => Effect.fail(new Conflict({ code: "order_not_shippable", detail: "A cancelled order cannot be shipped." }))
} as const

const answerOf = (problem: { readonly status: number; readonly code: string; readonly detail?: string | undefined }) => ({
  status: problem.status,
  body: { code: problem.code, detail: problem.detail }
})

/** A label answer we cannot read (2xx but garbled or empty): the label may well have been bought. */
const UNREADABLE = new Set(["decode", "no_shipment", "no_label"])

/**
 * Buying a label at most once per Idempotency-Key (a label costs money and cannot be rolled back), as G2A orders:
 * 1. the key is claimed FIRST (a replay answers even if the account was disconnected since), then the order and
 *    the carrier account are checked — nothing bought yet, failures answer as usual;
 * 2. before the carrier is called, the key's answer is stored as `label_outcome_unknown`: from then on no retry
 *    with this key can buy again, whatever happens to this process or the database;
 * 3. the label call and the recording run uninterruptibly, with no database transaction held across the call;
 * 4. the shipment and the real answer are then stored in one short transaction. A label the carrier may have
 *    bought but we could not read or record keeps the "outcome unknown" answer (and is logged).
 */
const shipOnce = (input: {
  readonly organizationId: OrgId
  readonly principal: Principal
  readonly orderId: OrderId
  readonly key: string
  readonly payload: { readonly connectionId: string; readonly service: string; readonly from: Address; readonly to: Address; readonly parcel: Parcel }
}) =>
  Effect.gen(function*() {
    const store = yield* IdempotencyStore
    const transactions = yield* Transactions
    const { organizationId, key, payload, orderId } = input
    const storageDown = () => new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1, detail: "Storage is unavailable, retry shortly." })
    const claim = yield* claimKey({ organizationId, key, operation: `shipments.create:${orderId}`, payload, schema: Shipment })
    if (claim._tag === "Replayed") return claim.value
    const holder = claim.holder
    // 1. Nothing bought yet: a refusal is this key's answer; trouble that left nothing behind gives the key back.
    const refuse = <E extends { readonly status: number; readonly code: string; readonly detail?: string | undefined }>(problem: E) =>
      (problem.status === 503 ? store.release(organizationId, key, holder) : store.complete(organizationId, key, holder, answerOf(problem))).pipe(
        Effect.ignore,
        Effect.andThen(Effect.fail(problem))
      )
    const api = yield* Effect.gen(function*() {
      yield* Shipping.checkShippable(organizationId, orderId)
      return yield* carrierFor(input.principal, payload.connectionId)
    }).pipe(
      Effect.catchTags({
        ...orderProblems,
        PersistenceError: () => Effect.fail(storageDown()),
        DecryptionFailed: (e) => Effect.die(e)
      }),
      Effect.catch(refuse)
    )
    // 2. The point of no return.
    const unknown = new Conflict({
      code: "label_outcome_unknown",
      detail: `${api.carrier} did not confirm the label; check with the carrier before retrying with a new Idempotency-Key.`
    })
    const provisional = yield* store.complete(organizationId, key, holder, answerOf({ status: 409, code: unknown.code, detail: unknown.detail })).pipe(
      Effect.catchTag("PersistenceError", () => store.release(organizationId, key, holder).pipe(Effect.ignore, Effect.andThen(Effect.fail(storageDown()))))
    )
    if (!provisional) return yield* new Conflict({ code: "idempotency_in_progress", detail: "A request with this Idempotency-Key is still being processed." })
    // 3 + 4. Uninterruptible from the purchase to the recorded answer.
    return yield* Effect.uninterruptible(Effect.gen(function*() {
      const bought = yield* api.label({ from: payload.from, to: payload.to, parcel: payload.parcel }, payload.service, `${orderId}/${key}`).pipe(Effect.result)
      if (bought._tag === "Failure") {
        const e = bought.failure
        if (e._tag === "CarrierUnavailable" && !e.reached) {
          yield* store.abandon(organizationId, key, holder).pipe(Effect.ignore)
          return yield* unavailable(e)
        }
        if (e._tag === "CarrierRejected" && !UNREADABLE.has(e.code)) {
          const problem = new Unprocessable({ code: "carrier_rejected", detail: `${e.carrier} refused the request (${e.code.slice(0, 80)}).` })
          yield* store.supersede(organizationId, key, holder, answerOf(problem)).pipe(Effect.ignore)
          return yield* problem
        }
        if (e._tag === "PersistenceError" || e._tag === "DecryptionFailed") {
          // Reading the account's token failed before the carrier was called.
          yield* store.abandon(organizationId, key, holder).pipe(Effect.ignore)
          return yield* storageDown()
        }
        return yield* unknown
      }
      const label = bought.success
      const recorded = yield* transactions.inOrganization(organizationId)(Effect.gen(function*() {
        const shipment = yield* Shipping.recordLabel(organizationId, orderId, api, label)
        yield* store.supersede(organizationId, key, holder, { status: 201, body: yield* Schema.encodeEffect(Shipment)(shipment).pipe(Effect.orDie) })
        return shipment
      })).pipe(Effect.result)
      if (recorded._tag === "Failure") {
        yield* Effect.logError("label bought but not recorded").pipe(Effect.annotateLogs({ carrier: api.carrier, trackingNumber: label.trackingNumber, orderId }))
        return yield* new Conflict({
          code: "label_not_recorded",
          detail: `${api.carrier} created label ${label.trackingNumber}, but it could not be recorded; do not retry, contact support.`
        })
      }
      return recorded.success
    }))
  })

export const CarriersHandlers = HttpApiBuilder.group(
  Api,
  "carriers",
  Effect.fn(function*(handlers) {
    const endpoints = yield* CarrierEndpointsConfig
    return handlers
      .handle("addAccount", ({ params, payload }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          if (params.carrier === "dhl" && payload.distributionCenter === undefined) {
            return yield* new Unprocessable({ code: "distribution_center_required", detail: "A DHL eCommerce account needs its distribution center (e.g. USATL1)." })
          }
          const secret = Redacted.make(payload.clientSecret)
          const grant = yield* verifyCredentials(endpoints[params.carrier], payload.clientId, secret).pipe(
            Effect.mapError((e): ServiceUnavailable | Unprocessable =>
              e.status === undefined || e.status === 429 || e.status >= 500
                ? new ServiceUnavailable({ code: "carrier_unavailable", retryAfterSeconds: 30, detail: `${params.carrier} could not check the credentials; retry later.` })
                : new Unprocessable({ code: "carrier_credentials_refused", detail: `${params.carrier} refused these credentials (client id or secret wrong, or the project lacks API access).` }))
          )
          const connection = yield* Connections.connect({
            organizationId: principal.organizationId,
            actorUserId: principal.userId,
            provider: params.carrier,
            externalAccount: payload.accountNumber,
            displayName: `${params.carrier.toUpperCase()} ${payload.accountNumber}`,
            credentials: Redacted.make({
              clientId: payload.clientId,
              clientSecret: payload.clientSecret,
              accountNumber: payload.accountNumber,
              ...(payload.distributionCenter === undefined ? {} : { distributionCenter: payload.distributionCenter }),
              accessToken: Redacted.value(grant.accessToken)
            }),
            tokenExpiresAt: expiryFrom(grant.expiresIn, yield* DateTime.now)
          })
          return toView(connection)
        }).pipe(Effect.catchTags({ InsufficientRole: problems.InsufficientRole, PersistenceError: problems.PersistenceError })))
      .handle("listAccounts", () =>
        caller.pipe(
          Effect.flatMap(Connections.list),
          Effect.map((all) => ({ accounts: all.filter((c) => isCarrier(c.provider)).map(toView) })),
          Effect.catchTags({ PersistenceError: problems.PersistenceError })
        ))
      .handle("quote", ({ params, payload }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          if (!(yield* orderExists(principal, params.id))) return yield* new NotFound({ code: "order_not_found" })
          const api = yield* carrierFor(principal, payload.connectionId)
          const quotes = yield* api.quote({ from: payload.from, to: payload.to, parcel: payload.parcel })
          return { quotes }
        }).pipe(Effect.catchTags({
          CarrierUnavailable: unavailable,
          CarrierRejected: rejected,
          PersistenceError: problems.PersistenceError,
          DecryptionFailed: (e) => Effect.die(e)
        })))
      .handle("ship", ({ params, payload, headers }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          return yield* shipOnce({ organizationId: principal.organizationId, principal, orderId: params.id, key: headers["idempotency-key"], payload })
        }))
      .handle("shipments", ({ params }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          if (!(yield* orderExists(principal, params.id))) return yield* new NotFound({ code: "order_not_found" })
          return { shipments: yield* (yield* ShipmentRepository).forOrder(principal.organizationId, params.id) }
        }).pipe(Effect.catchTags({ PersistenceError: problems.PersistenceError })))
  })
)
