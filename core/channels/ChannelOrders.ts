/**
 * Orders from sales channels (Shopify, WooCommerce…), provider-neutral. Adapters map a channel's wire format into
 * a ChannelOrder; `ingest` turns it into a core order idempotently: created once per (organisation, connection,
 * external id) with its stock reserved, cancelled (stock released) when the channel cancelled or refunded it,
 * fulfilled (stock committed) when the channel shipped it, otherwise left as it is. Orders already shipped or
 * cancelled when we first see them are not imported. What happened is read from the order itself, never from an
 * unsigned topic header.
 *
 * Callers run `ingest` inside the organisation's transaction (webhook pipeline, order sync).
 */
import { type DateTime, Effect, Option, Schema } from "effect"
import { OutOfStock, UnknownSku } from "../inventory/Inventory.ts"
import type { OrderLine } from "../orders/Order.ts"
import * as Orders from "../orders/Orders.ts"
import { OrderRepository } from "../orders/ports/OrderRepository.ts"
import type { OrgId } from "../shared/Ids.ts"
import { ChannelCursors } from "./ports/ChannelCursors.ts"

export interface ChannelOrder {
  readonly externalOrderId: string
  /** The channel's human reference (`#1001`), for messages. */
  readonly name: string
  readonly lines: ReadonlyArray<OrderLine>
  readonly currency: string
  readonly location?: string | undefined
  /** Cancelled or refunded at the channel: the stock we hold for it goes back. */
  readonly cancelled: boolean
  /** Shipped by the channel: the stock we hold for it leaves; an order we never held is not imported. */
  readonly fulfilled: boolean
  readonly updatedAt: DateTime.Utc
}

/** A channel order that cannot become ours (unknown SKU, no stock, a line without SKU…): permanent for this version. */
export class ChannelOrderRejected extends Schema.TaggedError<ChannelOrderRejected>()("ChannelOrderRejected", {
  externalOrderId: Schema.String,
  detail: Schema.String
}) {}

export type IngestOutcome = "created" | "cancelled" | "fulfilled" | "unchanged"

const rejected = (order: { readonly externalOrderId: string }, detail: string) =>
  Effect.fail(new ChannelOrderRejected({ externalOrderId: order.externalOrderId, detail }))

/** Cancels the channel order we hold (stock released); a fulfilled one cannot be cancelled any more. */
export const cancelHeld = Effect.fn("ChannelOrders.cancelHeld")(function* (
  organizationId: OrgId,
  connectionId: string,
  externalOrderId: string
) {
  const repository = yield* OrderRepository
  const held = yield* repository.findByExternal(organizationId, connectionId, externalOrderId)
  if (Option.isNone(held)) return Option.none<"cancelled" | "unchanged">()
  if (held.value.status === "cancelled") return Option.some("unchanged" as const)
  yield* repository.apply(organizationId, held.value.id, "cancel").pipe(
    Effect.catchTag("IllegalTransition", (e) =>
      rejected({ externalOrderId }, `cannot cancel an order that is ${e.from}`)
    ),
    Effect.catchTag("OrderNotFound", () => rejected({ externalOrderId }, "order vanished"))
  )
  return Option.some("cancelled" as const)
})

export const ingest = Effect.fn("ChannelOrders.ingest")(function* (
  organizationId: OrgId,
  connectionId: string,
  order: ChannelOrder
) {
  const cursors = yield* ChannelCursors
  if (order.cancelled) {
    const outcome = yield* cancelHeld(organizationId, connectionId, order.externalOrderId)
    // Cancelled before we ever held it: nothing to release, but a late creation of it must not reserve stock.
    if (Option.isNone(outcome)) yield* cursors.bury(organizationId, connectionId, order.externalOrderId)
    return Option.getOrElse(outcome, () => "unchanged" as const)
  }
  if (yield* cursors.isBuried(organizationId, connectionId, order.externalOrderId)) return "unchanged" as const
  if (order.fulfilled) {
    // Already shipped: commit the stock we hold for it; history we never held is not imported (nothing to reserve).
    const repository = yield* OrderRepository
    const held = yield* repository.findByExternal(organizationId, connectionId, order.externalOrderId)
    if (Option.isNone(held) || held.value.status !== "reserved") return "unchanged" as const
    yield* repository.apply(organizationId, held.value.id, "fulfil").pipe(
      Effect.catchTag("IllegalTransition", (e) => rejected(order, `cannot fulfil an order that is ${e.from}`)),
      Effect.catchTag("OrderNotFound", () => rejected(order, "order vanished"))
    )
    return "fulfilled" as const
  }
  if (order.lines.length === 0) return yield* rejected(order, `order ${order.name} has no lines with a SKU`)
  const { created } = yield* Orders.create(
    organizationId,
    { lines: order.lines, currency: order.currency, location: order.location },
    {
      kind: "channel",
      connectionId,
      externalOrderId: order.externalOrderId
    }
  ).pipe(
    Effect.catchIf(
      (e): e is OutOfStock | UnknownSku => e instanceof OutOfStock || e instanceof UnknownSku,
      (e) =>
        rejected(order, e._tag === "OutOfStock" ? `out of stock: ${e.sku}` : `unknown SKU(s): ${e.skus.join(", ")}`)
    )
  )
  return created ? ("created" as const) : ("unchanged" as const)
})
