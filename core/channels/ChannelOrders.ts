/**
 * Orders from sales channels (Shopify, WooCommerce…), provider-neutral. Adapters map a channel's wire format into
 * a ChannelOrder; `ingest` turns it into a core order idempotently: created once per (organisation, connection,
 * external id) with its stock reserved, cancelled (stock released) when the channel cancelled or refunded it,
 * fulfilled (stock committed) when the channel shipped it, otherwise left as it is. Orders already shipped or
 * cancelled when we first see them are not imported. What happened is read from the order itself, never from an
 * unsigned topic header.
 *
 * Deciding (planIngest: the change as data) is apart from running it (OrderChange.ts): order sync runs it through the
 * ports inside the organisation's transaction (`ingest`); the webhook pipeline runs it in one statement together
 * with the event's record.
 */
import { type DateTime, Effect, Option, Result, Schema } from "effect"
import { type OrderLine, OrderStatus } from "../orders/Order.ts"
import * as Orders from "../orders/Orders.ts"
import type { OrgId } from "../shared/Ids.ts"
import { type ChangeResult, movesFor, type OrderChange, runChange } from "./OrderChange.ts"

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

/** Cancelling the channel order we hold releases its stock; a fulfilled one cannot be cancelled any more. */
export const cancelChange = (
  externalOrderId: string,
  whenMissing: "bury" | "ignore" | "retry"
): OrderChange & { readonly kind: "move" } => ({
  kind: "move",
  externalOrderId,
  action: "cancel",
  moves: movesFor("cancel"),
  unchanged: ["cancelled"],
  skipIfBuried: false,
  whenMissing
})

/**
 * The change a channel order asks for: cancelled → cancel what we hold (or remember it was cancelled, so a late
 * creation reserves nothing); shipped → commit the stock of an order we hold reserved (history we never held is not
 * imported); otherwise create it once with its stock reserved. An order without lines cannot become ours.
 */
export const planIngest = (
  connectionId: string,
  order: ChannelOrder
): Result.Result<OrderChange, ChannelOrderRejected> => {
  if (order.cancelled) return Result.succeed(cancelChange(order.externalOrderId, "bury"))
  if (order.fulfilled)
    return Result.succeed({
      kind: "move",
      externalOrderId: order.externalOrderId,
      action: "fulfil",
      moves: movesFor("fulfil"),
      unchanged: OrderStatus.literals.filter((s) => s !== "reserved"),
      skipIfBuried: true,
      whenMissing: "ignore"
    })
  if (order.lines.length === 0)
    return Result.fail(
      new ChannelOrderRejected({
        externalOrderId: order.externalOrderId,
        detail: `order ${order.name} has no lines with a SKU`
      })
    )
  const planned = Orders.plan(
    { lines: order.lines, currency: order.currency, location: order.location },
    { kind: "channel", connectionId, externalOrderId: order.externalOrderId },
    undefined
  )
  return Result.succeed({
    kind: "create",
    order: { ...planned.order, externalOrderId: order.externalOrderId },
    demand: planned.demand,
    expiresAt: planned.expiresAt
  })
}

/** What a change's result means for the channel order: created, cancelled, fulfilled, unchanged — or refused. */
export const ingestOutcome = (
  externalOrderId: string,
  change: OrderChange,
  result: ChangeResult
): Effect.Effect<IngestOutcome, ChannelOrderRejected> => {
  const order = { externalOrderId }
  switch (result.result) {
    case "created":
      return Effect.succeed("created")
    case "moved":
      return Effect.succeed(change.kind === "move" && change.action === "fulfil" ? "fulfilled" : "cancelled")
    case "unknown_sku":
      return rejected(order, `unknown SKU(s): ${result.skus.join(", ")}`)
    case "out_of_stock":
      return rejected(order, `out of stock: ${result.sku}`)
    case "illegal":
      return rejected(
        order,
        `cannot ${change.kind === "move" ? change.action : "create"} an order that is ${result.from}`
      )
    default:
      return Effect.succeed("unchanged")
  }
}

/** Cancels the channel order we hold (stock released); none when no such order is recorded. */
export const cancelHeld = Effect.fn("ChannelOrders.cancelHeld")(function* (
  organizationId: OrgId,
  connectionId: string,
  externalOrderId: string
) {
  const change = cancelChange(externalOrderId, "ignore")
  const result = yield* runChange(organizationId, connectionId, change)
  if (result.result === "missing") return Option.none<"cancelled" | "unchanged">()
  const outcome = yield* ingestOutcome(externalOrderId, change, result)
  return Option.some(outcome === "cancelled" ? ("cancelled" as const) : ("unchanged" as const))
})

export const ingest = Effect.fn("ChannelOrders.ingest")(function* (
  organizationId: OrgId,
  connectionId: string,
  order: ChannelOrder
) {
  const change = yield* Effect.fromResult(planIngest(connectionId, order))
  const result = yield* runChange(organizationId, connectionId, change)
  return yield* ingestOutcome(order.externalOrderId, change, result)
})
