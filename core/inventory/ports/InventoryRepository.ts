/** Port: products and inventory levels of an organisation, and the bulk write an import ends in. */
import { Context, type Effect, type Stream } from "effect"
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

/** A write carrying the row of the file it came from, so refusals can be reported by row. */
export interface RowWrite extends LevelWrite {
  readonly row: number
}

/**
 * `partial` writes the acceptable rows; `atomic` writes nothing if any row is refused; `check` only reports
 * (writes nothing).
 */
export type WriteMode = "partial" | "atomic" | "check"

export interface RefusedRow {
  readonly row: number
  readonly sku: string
}

/** A row naming a SKU and location an earlier row of the same file already named. */
export interface DuplicateRow extends RefusedRow {
  readonly location: string
  readonly firstRow: number
}

export interface ImportResult {
  readonly applied: number
  readonly unknownSku: ReadonlyArray<RefusedRow>
  readonly belowReserved: ReadonlyArray<RefusedRow>
  readonly duplicates: ReadonlyArray<DuplicateRow>
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
   * Sets on-hand quantities in one transaction. Rows naming a SKU the organisation does not have, rows whose new
   * quantity would fall below what is reserved, and repeats of an earlier row's SKU and location are returned (by
   * index) and not written.
   */
  readonly setOnHand: (
    organizationId: OrgId,
    writes: ReadonlyArray<LevelWrite>,
    mode: WriteMode
  ) => Effect.Effect<
    {
      readonly applied: number
      readonly unknownSku: ReadonlyArray<number>
      readonly belowReserved: ReadonlyArray<number>
      readonly duplicates: ReadonlyArray<number>
    },
    PersistenceError
  >
  /**
   * `setOnHand` for a stream of rows, consumed as it arrives: nothing is written before the stream has ended, and
   * the mode is asked for only then (the caller may still be finding problems in the rows it sends). A stream that
   * fails, or an interruption, leaves nothing written. Refused rows (unknown SKU, below reserved, a repeat of an
   * earlier row's SKU and location) are returned by their `row`, in row order.
   */
  readonly importOnHand: <E>(
    organizationId: OrgId,
    writes: Stream.Stream<RowWrite, E>,
    modeOnceRead: () => WriteMode
  ) => Effect.Effect<ImportResult, PersistenceError | E>
}

export class InventoryRepository extends Context.Service<InventoryRepository, InventoryRepositoryShape>()(
  "tradeport/core/inventory/ports/InventoryRepository"
) {}
