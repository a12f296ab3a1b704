/**
 * Use cases on shipping. A carrier is reached through a `CarrierApi` (one per carrier connection, built by the
 * apps from the provider adapters): quote, label, track. Shipping an order is check → buy a label (irreversible:
 * the edge makes it happen at most once per Idempotency-Key) → record the shipment with its tracking number on the
 * order; tracking updates (polled or received) move its status and are applied only when they change something.
 */
import { Effect, Option, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { OrderNotFound, type OrderId } from "../orders/Order.ts"
import { OrderRepository } from "../orders/ports/OrderRepository.ts"
import type { OrgId } from "../shared/Ids.ts"
import { ShipmentRepository } from "./ports/ShipmentRepository.ts"
import { type CarrierKind, type CarrierRejected, type CarrierUnavailable, type Label, type RateQuote, ShipmentId, type ShipmentRequest, type TrackingUpdate } from "./Shipment.ts"

/** One carrier account's operations; `E` is what reaching its stored credentials can fail with (storage). */
export interface CarrierApi<E = never, R = never> {
  readonly carrier: CarrierKind
  readonly connectionId: string
  readonly quote: (request: ShipmentRequest) => Effect.Effect<ReadonlyArray<RateQuote>, CarrierUnavailable | CarrierRejected | E, R>
  readonly label: (request: ShipmentRequest, service: string, reference: string) => Effect.Effect<Label, CarrierUnavailable | CarrierRejected | E, R>
  readonly track: (trackingNumber: string) => Effect.Effect<TrackingUpdate, CarrierUnavailable | CarrierRejected | E, R>
}

/** Only an order that holds or has shipped its goods can get a label: not a cancelled one. */
export class OrderNotShippable extends Schema.TaggedError<OrderNotShippable>()("OrderNotShippable", {
  status: Schema.String
}) {}

/** Before buying a label: the order exists and is not cancelled. */
export const checkShippable = Effect.fn("Shipping.checkShippable")(function*(organizationId: OrgId, orderId: OrderId) {
  const order = yield* (yield* OrderRepository).get(organizationId, orderId)
  if (Option.isNone(order)) return yield* new OrderNotFound()
  if (order.value.status === "cancelled") return yield* new OrderNotShippable({ status: order.value.status })
  return order.value
})

/** After buying one: the shipment, with its tracking number, on the order. */
export const recordLabel = Effect.fn("Shipping.recordLabel")(function*(organizationId: OrgId, orderId: OrderId, carrier: { readonly carrier: CarrierKind; readonly connectionId: string }, label: Label) {
  return yield* (yield* ShipmentRepository).record(organizationId, {
    id: ShipmentId.make(randomUUID()),
    orderId,
    connectionId: carrier.connectionId,
    carrier: carrier.carrier,
    service: label.service,
    trackingNumber: label.trackingNumber,
    labelReference: label.labelReference
  })
})

/** Applies what the carrier says about a shipment now. */
export const applyTracking = Effect.fn("Shipping.applyTracking")(function*(organizationId: OrgId, id: ShipmentId, update: TrackingUpdate) {
  return yield* (yield* ShipmentRepository).track(organizationId, id, update.status, update.description.slice(0, 200))
})
