/** Port: products and inventory levels of an organisation. */
import { Context, type Effect } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"

export interface Level {
  readonly sku: string
  readonly location: string
  readonly onHand: number
  readonly reserved: number
  readonly available: number
}

export interface LevelWrite {
  readonly sku: string
  readonly location: string
  readonly onHand: number
}

export interface InventoryRepositoryShape {
  /** Creates products that do not exist yet (by SKU); existing ones keep their name. */
  readonly upsertProducts: (
    organizationId: OrgId,
    products: ReadonlyArray<{ readonly sku: string; readonly name: string }>
  ) => Effect.Effect<void, PersistenceError>
  readonly levels: (
    organizationId: OrgId,
    skus?: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<Level>, PersistenceError>
  /**
   * Sets on-hand quantities in one transaction. Rows naming a SKU the organisation does not have, and rows whose new
   * quantity would fall below what is reserved, are returned (by index) and not written. `partial` writes the
   * others; `atomic` writes nothing if any row is refused; `check` only reports (writes nothing).
   */
  readonly setOnHand: (
    organizationId: OrgId,
    writes: ReadonlyArray<LevelWrite>,
    mode: "partial" | "atomic" | "check"
  ) => Effect.Effect<
    {
      readonly applied: number
      readonly unknownSku: ReadonlyArray<number>
      readonly belowReserved: ReadonlyArray<number>
    },
    PersistenceError
  >
}

export class InventoryRepository extends Context.Service<InventoryRepository, InventoryRepositoryShape>()(
  "tradeport/core/inventory/ports/InventoryRepository"
) {}
