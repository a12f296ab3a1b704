/**
 * Inventory reservations, the pure part: an order's lines are consolidated per SKU (two lines of one SKU are
 * checked as their sum, never separately) and sorted, so every transaction locks inventory rows in the same order
 * and two orders can never deadlock on each other.
 */
import { Schema } from "effect"
import type { OrderLine, Sku } from "../orders/Order.ts"

export interface Demand {
  readonly sku: Sku
  readonly quantity: number
}

export const consolidate = (lines: ReadonlyArray<OrderLine>): ReadonlyArray<Demand> => {
  const totals = new Map<Sku, number>()
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity)
  return [...totals]
    .map(([sku, quantity]) => ({ sku, quantity }))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
}

export class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", {
  sku: Schema.String,
  requested: Schema.Int,
  available: Schema.Int
}) {}

export class UnknownSku extends Schema.TaggedError<UnknownSku>()("UnknownSku", {
  skus: Schema.Array(Schema.String)
}) {}
