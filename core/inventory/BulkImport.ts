/**
 * Bulk inventory import: every row validated (SKU present and known to the organisation, quantity a non-negative
 * integer, no SKU twice per location in one file), then applied in one transaction — all or nothing by default,
 * or the valid rows only — with one consolidated report of every rejected row.
 *
 * Rows arrive as a stream and leave as one: each is checked on its own as it passes, and what needs every row (the
 * SKU's existence, repeats, what is reserved) is judged by the repository once the last row is in. Only the report's
 * entries are held here, never the rows; a file past `maxRows` stops the import (nothing written).
 */
import { Effect, Result, Schema, Stream } from "effect"
import type { OrgId } from "../shared/Ids.ts"
import { InventoryRepository, type RowWrite } from "./ports/InventoryRepository.ts"

export interface RawRow {
  /** 1-based position among the data rows of the file. */
  readonly row: number
  readonly sku: string | undefined
  readonly quantity: string | number | undefined
  readonly location: string | undefined
}

export interface RowError {
  readonly row: number
  readonly sku: string | null
  readonly field: "sku" | "quantity" | "location" | "row"
  readonly message: string
}

export type ImportMode = "all-or-nothing" | "partial"

export interface ImportReport {
  readonly mode: ImportMode
  readonly received: number
  readonly applied: number
  readonly errors: ReadonlyArray<RowError>
}

/** A file with more rows than the import accepts: refused whole, nothing written. */
export class ImportTooLarge extends Schema.TaggedError<ImportTooLarge>()("ImportTooLarge", {
  maxRows: Schema.Int
}) {}

const MAX_QUANTITY = 1_000_000_000

/** Checks one row on its own (the SKU's existence and repeats are judged for all rows at once). */
export const validateRow = (raw: RawRow): Result.Result<RowWrite, RowError> => {
  const sku = typeof raw.sku === "string" ? raw.sku.trim() : ""
  if (sku.length === 0 || sku.length > 100) {
    return Result.fail({
      row: raw.row,
      sku: sku.length > 0 ? sku.slice(0, 100) : null,
      field: "sku",
      message: "sku is required (1 to 100 characters)"
    })
  }
  // Postgres text cannot hold a NUL: refused here as the row's problem rather than failing the whole import.
  if (sku.includes("\u0000"))
    return Result.fail({ row: raw.row, sku: null, field: "sku", message: "sku must not contain NUL characters" })
  const text = typeof raw.quantity === "number" ? String(raw.quantity) : (raw.quantity ?? "").trim()
  if (!/^\d+$/.test(text) || Number(text) > MAX_QUANTITY) {
    return Result.fail({ row: raw.row, sku, field: "quantity", message: "quantity must be a non-negative integer" })
  }
  const location = (raw.location ?? "").trim() || "default"
  if (location.length > 64)
    return Result.fail({ row: raw.row, sku, field: "location", message: "location is at most 64 characters" })
  if (location.includes("\u0000"))
    return Result.fail({ row: raw.row, sku, field: "location", message: "location must not contain NUL characters" })
  return Result.succeed({ row: raw.row, sku, location, onHand: Number(text) })
}

/** Fails the stream once it has carried more than `maxRows` rows. */
const atMost = <E>(rows: Stream.Stream<RawRow, E>, maxRows: number) =>
  Stream.suspend(() => {
    let received = 0
    return rows.pipe(
      Stream.mapArrayEffect((chunk) => {
        received += chunk.length
        return received > maxRows ? Effect.fail(new ImportTooLarge({ maxRows })) : Effect.succeed(chunk)
      })
    )
  })

export const importLevels = <E>(
  organizationId: OrgId,
  rows: Stream.Stream<RawRow, E>,
  mode: ImportMode,
  limits: { readonly maxRows: number }
) =>
  Effect.gen(function* () {
    const repository = yield* InventoryRepository
    const errors: Array<RowError> = []
    let received = 0
    const valid = atMost(rows, limits.maxRows).pipe(
      Stream.filterMap((raw: RawRow) => {
        received++
        const checked = validateRow(raw)
        if (Result.isFailure(checked)) errors.push(checked.failure)
        return checked
      })
    )
    // An all-or-nothing import with invalid rows is only checked, so the report still names every problem at once.
    const result = yield* repository.importOnHand(organizationId, valid, () =>
      mode === "partial" ? "partial" : errors.length > 0 ? "check" : "atomic"
    )
    for (const d of result.duplicates) {
      errors.push({
        row: d.row,
        sku: d.sku,
        field: "sku",
        message: `duplicate of row ${d.firstRow} for location ${d.location}`
      })
    }
    for (const u of result.unknownSku) {
      errors.push({ row: u.row, sku: u.sku, field: "sku", message: "unknown SKU for this organisation" })
    }
    for (const b of result.belowReserved) {
      errors.push({ row: b.row, sku: b.sku, field: "quantity", message: "less than the quantity currently reserved" })
    }
    return {
      mode,
      received,
      applied: result.applied,
      errors: errors.sort((a, b) => a.row - b.row)
    } satisfies ImportReport
  }).pipe(Effect.withSpan("BulkImport.importLevels"))
