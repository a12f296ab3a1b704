/**
 * Port: orders with their inventory reservations. `createReserved` writes the order, its lines and the
 * reservation of every consolidated SKU in ONE transaction — all lines reserved or nothing written. `apply` moves
 * an order through the status machine and commits or releases its reservation in the same transaction.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type { Demand, OutOfStock, UnknownSku } from "../../inventory/Inventory.ts"
import type { IllegalTransition, Order, OrderAction, OrderId, OrderLine, OrderNotFound, OrderStatus } from "../Order.ts"

export interface NewOrder {
  readonly id: OrderId
  readonly source: "api" | "channel"
  readonly connectionId: string | undefined
  readonly externalOrderId: string | undefined
  readonly location: string
  readonly currency: string
  readonly customerEmail: string | undefined
  readonly lines: ReadonlyArray<OrderLine>
}

export interface OrderPage {
  readonly orders: ReadonlyArray<Order>
  readonly nextCursor: string | undefined
}

export interface OrderRepositoryShape {
  /** `created: false` when a channel order with the same connection and external id already exists (returned as is). */
  readonly createReserved: (
    organizationId: OrgId,
    order: NewOrder,
    demand: ReadonlyArray<Demand>,
    /** When the reservation lapses; none for channel orders (already sold: held until fulfilled or cancelled). */
    expiresAt: DateTime.Utc | undefined
  ) => Effect.Effect<{ readonly order: Order; readonly created: boolean }, OutOfStock | UnknownSku | PersistenceError>
  readonly get: (organizationId: OrgId, id: OrderId) => Effect.Effect<Option.Option<Order>, PersistenceError>
  readonly findByExternal: (
    organizationId: OrgId,
    connectionId: string,
    externalOrderId: string
  ) => Effect.Effect<Option.Option<Order>, PersistenceError>
  readonly list: (
    organizationId: OrgId,
    query: { readonly status?: OrderStatus | undefined; readonly limit: number; readonly before?: string | undefined }
  ) => Effect.Effect<OrderPage, PersistenceError>
  readonly apply: (
    organizationId: OrgId,
    id: OrderId,
    action: OrderAction
  ) => Effect.Effect<Order, OrderNotFound | IllegalTransition | PersistenceError>
  /** Platform path (scheduler): cancels reserved orders whose reservation expired, releasing their stock. */
  readonly expireDue: (now: DateTime.Utc, limit: number) => Effect.Effect<number, PersistenceError>
}

export class OrderRepository extends Context.Service<OrderRepository, OrderRepositoryShape>()(
  "tradeport/core/orders/ports/OrderRepository"
) {}
