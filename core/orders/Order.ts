/**
 * Orders and their lifecycle. The status machine is the single authority on what may happen to an order:
 *
 *   pending ──reserve──▶ reserved ──fulfil──▶ fulfilled
 *      │                    │
 *      └──cancel──▶ cancelled ◀──cancel / expire──┘
 *
 * Reserving holds inventory; fulfilling commits it (on hand and reserved both drop); cancelling or expiring a
 * reserved order releases it.
 */
import { Result, Schema } from "effect"
import { OrgId } from "../shared/Ids.ts"

export const OrderId = Schema.String.pipe(Schema.check(Schema.isUUID()), Schema.brand("OrderId"))
export type OrderId = typeof OrderId.Type

export const Sku = Schema.String.pipe(
  Schema.check(Schema.isTrimmed(), Schema.isMinLength(1), Schema.isMaxLength(100)),
  Schema.brand("Sku")
)
export type Sku = typeof Sku.Type

export const OrderStatus = Schema.Literals(["pending", "reserved", "fulfilled", "cancelled"])
export type OrderStatus = typeof OrderStatus.Type

export type OrderAction = "reserve" | "fulfil" | "cancel" | "expire"

export class OrderLine extends Schema.Class<OrderLine>("OrderLine")({
  sku: Sku,
  quantity: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000_000))),
  unitPriceCents: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
}) {}

export class Order extends Schema.Class<Order>("Order")({
  id: OrderId,
  organizationId: OrgId,
  source: Schema.Literals(["api", "channel"]),
  connectionId: Schema.NullOr(Schema.String),
  externalOrderId: Schema.NullOr(Schema.String),
  status: OrderStatus,
  location: Schema.String,
  currency: Schema.String,
  lines: Schema.Array(OrderLine),
  reservationExpiresAt: Schema.NullOr(Schema.String),
  createdAt: Schema.String
}) {}

export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  from: OrderStatus,
  action: Schema.Literals(["reserve", "fulfil", "cancel", "expire"])
}) {}

export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", {}) {}

const MACHINE: Record<OrderStatus, Partial<Record<OrderAction, OrderStatus>>> = {
  pending: { reserve: "reserved", cancel: "cancelled" },
  reserved: { fulfil: "fulfilled", cancel: "cancelled", expire: "cancelled" },
  fulfilled: {},
  cancelled: {}
}

export const transition = (from: OrderStatus, action: OrderAction): Result.Result<OrderStatus, IllegalTransition> => {
  const to = MACHINE[from][action]
  return to === undefined ? Result.fail(new IllegalTransition({ from, action })) : Result.succeed(to)
}

/** What a transition does to the inventory held for the order. */
export const inventoryEffect = (from: OrderStatus, to: OrderStatus): "commit" | "release" | "none" =>
  from === "reserved" && to === "fulfilled" ? "commit" : from === "reserved" && to === "cancelled" ? "release" : "none"
