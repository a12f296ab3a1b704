/**
 * What a channel event does to orders, as DATA: create an order (stock reserved), or move the order recorded under
 * an external id through the status machine. Deciding the change (ChannelOrders.ts) is separate from running it, so
 * the same change runs either here, step by step through the ports inside the caller's transaction (order sync), or
 * as one statement together with the webhook event's record (WebhookEvents.applyOnce). The status machine stays
 * the single authority: a move carries the machine's own transitions for its action (`movesFor`).
 *
 * Refusals (`isRefusal`) change nothing: an unknown SKU, a product short, a move the machine refuses, or an order
 * not recorded yet when the change says to retry later.
 */
import { type DateTime, Effect, Option, Result } from "effect"
import type { Demand } from "../inventory/Inventory.ts"
import {
  inventoryEffect,
  type OrderAction,
  type OrderStatus,
  OrderStatus as Statuses,
  transition
} from "../orders/Order.ts"
import { OrderRepository, type NewOrder } from "../orders/ports/OrderRepository.ts"
import type { OrgId } from "../shared/Ids.ts"
import { ChannelCursors } from "./ports/ChannelCursors.ts"

export interface Move {
  readonly from: OrderStatus
  readonly to: OrderStatus
  readonly stock: "commit" | "release" | "none"
}

export type OrderChange =
  | {
      readonly kind: "create"
      /** A channel order (connection and external id set); not created when the channel cancelled it before. */
      readonly order: NewOrder & { readonly externalOrderId: string }
      readonly demand: ReadonlyArray<Demand>
      readonly expiresAt: DateTime.Utc | undefined
    }
  | {
      readonly kind: "move"
      readonly externalOrderId: string
      readonly action: "cancel" | "fulfil"
      /** The status machine's transitions for `action` (movesFor). */
      readonly moves: ReadonlyArray<Move>
      /** Statuses left as they are (no move, no refusal). */
      readonly unchanged: ReadonlyArray<OrderStatus>
      /** Nothing happens to an order the channel cancelled before we held it. */
      readonly skipIfBuried: boolean
      /** No order recorded under the external id: bury it (a late creation must not reserve), ignore, or retry. */
      readonly whenMissing: "bury" | "ignore" | "retry"
    }

export type ChangeResult =
  | { readonly result: "created" | "existing" | "buried" | "moved" | "unchanged" | "missing" }
  | { readonly result: "unknown_sku"; readonly skus: ReadonlyArray<string> }
  | { readonly result: "out_of_stock"; readonly sku: string; readonly requested: number; readonly available: number }
  | { readonly result: "illegal"; readonly from: OrderStatus }

/** Whether a result changed nothing and leaves no record of the event behind (see the module comment). */
export const isRefusal = (change: OrderChange, result: ChangeResult) =>
  result.result === "unknown_sku" ||
  result.result === "out_of_stock" ||
  result.result === "illegal" ||
  (result.result === "missing" && change.kind === "move" && change.whenMissing === "retry")

/** The status machine's transitions for an action, with what each does to the stock held. */
export const movesFor = (action: OrderAction): ReadonlyArray<Move> =>
  Statuses.literals.flatMap((from) => {
    const to = transition(from, action)
    return Result.isSuccess(to) ? [{ from, to: to.success, stock: inventoryEffect(from, to.success) }] : []
  })

const plain = (result: "created" | "existing" | "buried" | "moved" | "unchanged" | "missing"): ChangeResult => ({
  result
})

/** Runs a change step by step through the ports, inside the caller's transaction of the organisation. */
export const runChange = Effect.fn("OrderChange.run")(function* (
  organizationId: OrgId,
  connectionId: string,
  change: OrderChange
) {
  const repository = yield* OrderRepository
  const cursors = yield* ChannelCursors
  const externalOrderId = change.kind === "create" ? change.order.externalOrderId : change.externalOrderId
  const buried =
    change.kind === "create" || change.skipIfBuried
      ? yield* cursors.isBuried(organizationId, connectionId, externalOrderId)
      : false
  if (buried) return plain("buried")
  if (change.kind === "create") {
    return yield* repository.createReserved(organizationId, change.order, change.demand, change.expiresAt).pipe(
      Effect.map(({ created }) => plain(created ? "created" : "existing")),
      Effect.catchTags({
        UnknownSku: (e) => Effect.succeed<ChangeResult>({ result: "unknown_sku", skus: e.skus }),
        OutOfStock: (e) =>
          Effect.succeed<ChangeResult>({
            result: "out_of_stock",
            sku: e.sku,
            requested: e.requested,
            available: e.available
          })
      })
    )
  }
  const held = yield* repository.findByExternal(organizationId, connectionId, externalOrderId)
  if (Option.isNone(held)) {
    if (change.whenMissing === "bury") yield* cursors.bury(organizationId, connectionId, externalOrderId)
    return plain("missing")
  }
  if (change.unchanged.includes(held.value.status)) return plain("unchanged")
  return yield* repository.apply(organizationId, held.value.id, change.action).pipe(
    Effect.as(plain("moved")),
    Effect.catchTags({
      IllegalTransition: (e) => Effect.succeed<ChangeResult>({ result: "illegal", from: e.from }),
      // Gone between the read and the move (deleted with its organisation): as if never recorded.
      OrderNotFound: () => Effect.succeed(plain("missing"))
    })
  )
})
