/**
 * Use cases on orders: create (from the API or a channel) with all lines reserved atomically, read, list, cancel,
 * fulfil. A channel order is unique per (organisation, connection, external id): creating it again returns the
 * existing order unchanged; its reservation does not lapse (the channel already sold it).
 */
import { Context, DateTime, Duration, Effect, Option } from "effect"
import { randomUUID } from "node:crypto"
import { consolidate } from "../inventory/Inventory.ts"
import type { OrgId } from "../shared/Ids.ts"
import { OrderId, type OrderLine, OrderNotFound, type OrderStatus } from "./Order.ts"
import { type NewOrder, OrderRepository } from "./ports/OrderRepository.ts"

/** How long an order may hold stock before the scheduler releases it. */
export class ReservationTtl extends Context.Reference<Duration.Duration>("tradeport/core/orders/ReservationTtl", {
  defaultValue: () => Duration.minutes(30)
}) {}

export interface OrderInput {
  readonly lines: ReadonlyArray<OrderLine>
  readonly location?: string | undefined
  readonly currency?: string | undefined
  readonly customerEmail?: string | undefined
}

export type OrderSource =
  | { readonly kind: "api" }
  | { readonly kind: "channel"; readonly connectionId: string; readonly externalOrderId: string }

/** The order to write for an input: a new id, the defaults, the lines consolidated per SKU (what to reserve). */
export const plan = (input: OrderInput, source: OrderSource, expiresAt: DateTime.Utc | undefined) => ({
  order: {
    id: OrderId.make(randomUUID()),
    source: source.kind,
    connectionId: source.kind === "channel" ? source.connectionId : undefined,
    externalOrderId: source.kind === "channel" ? source.externalOrderId : undefined,
    location: input.location ?? "default",
    currency: input.currency ?? "EUR",
    customerEmail: input.customerEmail,
    lines: input.lines
  } satisfies NewOrder,
  demand: consolidate(input.lines),
  expiresAt
})

export const create = Effect.fn("Orders.create")(function* (
  organizationId: OrgId,
  input: OrderInput,
  source: OrderSource
) {
  const repository = yield* OrderRepository
  // An API order holds stock for a while; a channel order was already sold there and holds it until the channel
  // fulfils or cancels it.
  const expiresAt =
    source.kind === "channel" ? undefined : DateTime.addDuration(yield* DateTime.now, yield* ReservationTtl)
  const planned = plan(input, source, expiresAt)
  return yield* repository.createReserved(organizationId, planned.order, planned.demand, planned.expiresAt)
})

export const get = Effect.fn("Orders.get")(function* (organizationId: OrgId, id: OrderId) {
  const repository = yield* OrderRepository
  const found = yield* repository.get(organizationId, id)
  if (Option.isNone(found)) return yield* new OrderNotFound()
  return found.value
})

export const list = Effect.fn("Orders.list")(function* (
  organizationId: OrgId,
  query: { readonly status?: OrderStatus | undefined; readonly limit: number; readonly before?: string | undefined }
) {
  const repository = yield* OrderRepository
  return yield* repository.list(organizationId, query)
})

export const cancel = Effect.fn("Orders.cancel")(function* (organizationId: OrgId, id: OrderId) {
  return yield* (yield* OrderRepository).apply(organizationId, id, "cancel")
})

export const fulfil = Effect.fn("Orders.fulfil")(function* (organizationId: OrgId, id: OrderId) {
  return yield* (yield* OrderRepository).apply(organizationId, id, "fulfil")
})

/** Releases stock held by orders whose reservation expired (the scheduler runs this). */
export const expireReservations = Effect.fn("Orders.expireReservations")(function* (limit = 500) {
  return yield* (yield* OrderRepository).expireDue(yield* DateTime.now, limit)
})
