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
  readonly upsertProducts: (organizationId: OrgId, products: ReadonlyArray<{ readonly sku: string; readonly name: string }>) => Effect.Effect<void, PersistenceError>
  readonly knownSkus: (organizationId: OrgId, skus: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>, PersistenceError>
  readonly levels: (organizationId: OrgId, skus?: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Level>, PersistenceError>
  /**
   * Sets on-hand quantities in one transaction. Rows whose new quantity would fall below what is reserved are
   * returned (by index) and, with `atomic`, nothing is written.
   */
  readonly setOnHand: (
    organizationId: OrgId,
    writes: ReadonlyArray<LevelWrite>,
    atomic: boolean
  ) => Effect.Effect<{ readonly applied: number; readonly belowReserved: ReadonlyArray<number> }, PersistenceError>
}

export class InventoryRepository extends Context.Service<InventoryRepository, InventoryRepositoryShape>()(
  "tradeport/core/inventory/ports/InventoryRepository"
) {}
