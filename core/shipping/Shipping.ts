/**
 * Use cases on shipping: carrier accounts (checked with the carrier before they are stored), rate quotes, labels
 * bought at most once per Idempotency-Key (an irreversible call: see IrreversibleCall), and tracking. A carrier
 * is whatever the provider catalogue registers with a carrier capability; a carrier account is opened from one
 * read of its connection.
 */
import { Effect, Option, Result, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { ConnectionId } from "../connections/Connection.ts"
import * as Connections from "../connections/Connections.ts"
import * as IrreversibleCall from "../idempotency/IrreversibleCall.ts"
import type { Principal } from "../identity/Principal.ts"
import { requireRole } from "../identity/Roles.ts"
import { type OrderId, OrderNotFound } from "../orders/Order.ts"
import { OrderRepository } from "../orders/ports/OrderRepository.ts"
import { ProviderLookupError } from "../providers/errors.ts"
import { ProviderCatalogue } from "../providers/ports/ProviderCatalogue.ts"
import type { ProviderId } from "../providers/Provider.ts"
import type { OrgId } from "../shared/Ids.ts"
import type { CarrierAccountInput, CarrierApi } from "./Carrier.ts"
import { ShipmentRepository, type OpenShipment } from "./ports/ShipmentRepository.ts"
import { type Address, type Label, type Parcel, Shipment, ShipmentId, type TrackingUpdate } from "./Shipment.ts"

/** Only an order that holds or has shipped its goods can get a label: not a cancelled one. */
export class OrderNotShippable extends Schema.TaggedError<OrderNotShippable>()("OrderNotShippable", {
  status: Schema.String
}) {}

/** The connection named as carrier account cannot be used: it is not connected, or not a carrier's. */
export class CarrierAccountUnusable extends Schema.TaggedError<CarrierAccountUnusable>()("CarrierAccountUnusable", {
  reason: Schema.Literals(["not_connected", "not_a_carrier"]),
  status: Schema.String
}) {}

export interface ShipmentInput {
  readonly connectionId: ConnectionId
  readonly from: Address
  readonly to: Address
  readonly parcel: Parcel
}

/** A label answer we cannot read (2xx but garbled or empty): the label may well have been bought. */
const UNREADABLE = new Set(["decode", "no_shipment", "no_label"])

const carrierOf = (provider: ProviderId) =>
  Effect.gen(function* () {
    const found = (yield* ProviderCatalogue).find(provider)
    if (Option.isNone(found)) return yield* new ProviderLookupError({ provider, reason: "unknown" })
    if (!found.value.configured) return yield* new ProviderLookupError({ provider, reason: "not_configured" })
    const carrier = found.value.carrier
    if (carrier === undefined)
      return yield* new ProviderLookupError({ provider, reason: "lacks_capability", capability: "rates" })
    return carrier
  })

/** The carrier account's operations, from one read of its connection. */
export const openCarrier = Effect.fn("Shipping.openCarrier")(function* (organizationId: OrgId, id: ConnectionId) {
  const { connection, opened } = yield* Connections.open(organizationId, id)
  if (connection.status !== "connected" || Option.isNone(opened)) {
    return yield* new CarrierAccountUnusable({ reason: "not_connected", status: connection.status })
  }
  const carrier = (yield* ProviderCatalogue).find(connection.provider).pipe(Option.flatMapNullishOr((p) => p.carrier))
  if (Option.isNone(carrier))
    return yield* new CarrierAccountUnusable({ reason: "not_a_carrier", status: connection.status })
  return carrier.value.open(opened.value)
})

/** Adds a merchant's carrier account (admins): proven with the carrier first, then stored sealed and audited. */
export const addAccount = Effect.fn("Shipping.addAccount")(function* (
  principal: Principal,
  provider: ProviderId,
  input: CarrierAccountInput
) {
  yield* requireRole(principal.role, "admin")
  const carrier = yield* carrierOf(provider)
  const verified = yield* carrier.verify(input)
  return yield* Connections.connect({
    organizationId: principal.organizationId,
    actorUserId: principal.userId,
    provider,
    externalAccount: input.accountNumber,
    displayName: `${provider.toUpperCase()} ${input.accountNumber}`,
    credentials: verified.credentials,
    tokenExpiresAt: verified.tokenExpiresAt
  })
})

export const listAccounts = Effect.fn("Shipping.listAccounts")(function* (principal: Principal) {
  const catalogue = yield* ProviderCatalogue
  const all = yield* Connections.list(principal)
  return all.filter((c) => Option.isSome(catalogue.find(c.provider).pipe(Option.flatMapNullishOr((p) => p.carrier))))
})

const existingOrder = (organizationId: OrgId, id: OrderId) =>
  Effect.gen(function* () {
    const order = yield* (yield* OrderRepository).get(organizationId, id)
    if (Option.isNone(order)) return yield* new OrderNotFound()
    return order.value
  })

/** Before buying a label: the order exists and is not cancelled. */
export const checkShippable = Effect.fn("Shipping.checkShippable")(function* (organizationId: OrgId, orderId: OrderId) {
  const order = yield* existingOrder(organizationId, orderId)
  if (order.status === "cancelled") return yield* new OrderNotShippable({ status: order.status })
  return order
})

export const quote = Effect.fn("Shipping.quote")(function* (
  principal: Principal,
  orderId: OrderId,
  input: ShipmentInput
) {
  yield* existingOrder(principal.organizationId, orderId)
  const api = yield* openCarrier(principal.organizationId, input.connectionId)
  return yield* api.quote({ from: input.from, to: input.to, parcel: input.parcel })
})

/** After buying one: the shipment, with its tracking number, on the order. */
const recordLabel = (organizationId: OrgId, orderId: OrderId, api: CarrierApi, label: Label) =>
  Effect.gen(function* () {
    return yield* (yield* ShipmentRepository).record(organizationId, {
      id: ShipmentId.make(randomUUID()),
      orderId,
      connectionId: api.connectionId,
      carrier: api.carrier,
      service: label.service,
      trackingNumber: label.trackingNumber,
      labelReference: label.labelReference
    })
  })

/**
 * Buys a label for the order at most once per Idempotency-Key. The key is claimed FIRST (a replay answers even if
 * the account was disconnected since); a label the carrier may have bought but we could not read or record keeps
 * the "outcome unknown" answer.
 */
export const ship = Effect.fn("Shipping.ship")(function* (
  principal: Principal,
  orderId: OrderId,
  key: string,
  input: ShipmentInput & { readonly service: string }
) {
  const { organizationId } = principal
  return yield* IrreversibleCall.run({
    organizationId,
    key,
    operation: `shipments.create:${orderId}`,
    payload: input,
    success: Shipment,
    subject: "label",
    provider: (api: CarrierApi) => api.carrier,
    prepare: Effect.gen(function* () {
      yield* checkShippable(organizationId, orderId)
      return yield* openCarrier(organizationId, input.connectionId)
    }),
    call: (api) =>
      api.label({ from: input.from, to: input.to, parcel: input.parcel }, input.service, `${orderId}/${key}`),
    classify: (e) =>
      e._tag === "PersistenceError" || e._tag === "DecryptionFailed" || (e._tag === "CarrierUnavailable" && !e.reached)
        ? "not_reached"
        : e._tag === "CarrierRejected" && !UNREADABLE.has(e.code)
          ? "refused"
          : "unknown",
    reference: (label: Label) => label.trackingNumber,
    record: (api, label) => recordLabel(organizationId, orderId, api, label).pipe(Effect.map(Result.succeed))
  })
})

export const shipments = Effect.fn("Shipping.shipments")(function* (principal: Principal, orderId: OrderId) {
  yield* existingOrder(principal.organizationId, orderId)
  return yield* (yield* ShipmentRepository).forOrder(principal.organizationId, orderId)
})

/** Applies what the carrier says about a shipment now. */
export const applyTracking = Effect.fn("Shipping.applyTracking")(function* (
  organizationId: OrgId,
  id: ShipmentId,
  update: TrackingUpdate
) {
  return yield* (yield* ShipmentRepository).track(organizationId, id, update.status, update.description.slice(0, 200))
})

/** Asks the carrier where an open shipment is (skipped when its account is gone or not a carrier's any more). */
export const trackShipment = Effect.fn("Shipping.trackShipment")(function* (shipment: OpenShipment) {
  const api = yield* openCarrier(shipment.organizationId, ConnectionId.make(shipment.connectionId)).pipe(
    Effect.map(Option.some),
    Effect.catchTags({
      ConnectionNotFound: () => Effect.succeed(Option.none<CarrierApi>()),
      CarrierAccountUnusable: () => Effect.succeed(Option.none<CarrierApi>())
    })
  )
  if (Option.isNone(api)) return "skipped" as const
  const update = yield* api.value.track(shipment.trackingNumber)
  const { changed } = yield* applyTracking(shipment.organizationId, shipment.id, update)
  return changed ? ("changed" as const) : ("unchanged" as const)
})
