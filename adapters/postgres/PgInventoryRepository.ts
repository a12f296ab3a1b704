/**
 * InventoryRepository on Postgres. A bulk write streams its rows with COPY into a temporary staging table (over the
 * COPY pool, see PgCopy.ts: the main driver has no COPY), then judges them set-wise (repeats, unknown SKUs, below
 * reserved) and applies them with one upsert — all in one transaction carrying the organisation's row-level-security
 * context. Inventory rows are locked in product-id order, the order reservations use, so an import and concurrent
 * orders queue instead of deadlocking.
 */
import { Effect, Layer, Schema, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import {
  InventoryRepository,
  type InventoryRepositoryShape,
  type RowWrite
} from "../../core/inventory/ports/InventoryRepository.ts"
import { toPersistenceError } from "./Database.ts"
import * as PgCopy from "./PgCopy.ts"
import { inOrganization } from "./Tenancy.ts"

const LevelRow = Schema.Struct({
  sku: Schema.String,
  location: Schema.String,
  on_hand: Schema.Number,
  reserved: Schema.Number
})
const decodeLevels = Schema.decodeUnknownEffect(Schema.Array(LevelRow))
const decodeRefused = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ row: Schema.Int, sku: Schema.String })))
const decodeDuplicates = Schema.decodeUnknownEffect(
  Schema.Array(Schema.Struct({ row: Schema.Int, sku: Schema.String, location: Schema.String, first_row: Schema.Int }))
)

/** COPY text format: backslash, tab, newline and carriage return escaped (NUL never reaches here: rows refuse it). */
const copyText = (text: string) =>
  /[\\\t\n\r]/.test(text)
    ? text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))
    : text

const copyLines = <E>(writes: Stream.Stream<RowWrite, E>) =>
  writes.pipe(
    Stream.mapArray((chunk) => {
      let text = ""
      for (const w of chunk) text += `${w.row}\t${copyText(w.sku)}\t${copyText(w.location)}\t${w.onHand}\n`
      return [text] as const
    })
  )

export const layer = Layer.effect(
  InventoryRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const copyPool = yield* PgCopy.CopyPool
    const failed = (operation: string) => Effect.mapError(toPersistenceError(`InventoryRepository.${operation}`))

    const upsertProducts: InventoryRepositoryShape["upsertProducts"] = (organizationId, products) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        INSERT INTO products (id, organization_id, sku, name)
        SELECT (t->>'id')::uuid, ${organizationId}, t->>'sku', t->>'name'
        FROM json_array_elements(${JSON.stringify(products.map((p) => ({ id: randomUUID(), sku: p.sku, name: p.name })))}::json) AS t
        ON CONFLICT (organization_id, sku) DO NOTHING`).pipe(Effect.asVoid, failed("upsertProducts"))

    const levels: InventoryRepositoryShape["levels"] = (organizationId, skus) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        SELECT p.sku, il.location, il.quantity_on_hand AS on_hand, il.quantity_reserved AS reserved
        FROM inventory_levels il JOIN products p ON p.id = il.product_id
        WHERE il.organization_id = ${organizationId}
          ${skus === undefined ? sql`` : sql`AND p.sku IN (SELECT json_array_elements_text(${JSON.stringify(skus)}::json))`}
        ORDER BY p.sku, il.location`).pipe(
        failed("levels"),
        Effect.flatMap((rows) => Effect.orDie(decodeLevels(rows))),
        Effect.map((rows) =>
          rows.map((r) => ({
            sku: r.sku,
            location: r.location,
            onHand: r.on_hand,
            reserved: r.reserved,
            available: r.on_hand - r.reserved
          }))
        )
      )

    const importOnHand: InventoryRepositoryShape["importOnHand"] = (organizationId, writes, modeOnceRead) =>
      PgCopy.inOrganization("InventoryRepository.importOnHand", organizationId, (tx) =>
        Effect.gen(function* () {
          yield* tx.query(`
            CREATE TEMP TABLE import_input (row int NOT NULL, sku text NOT NULL, location text NOT NULL, qty int NOT NULL)
            ON COMMIT DROP`)
          yield* tx.copyFrom("COPY import_input (row, sku, location, qty) FROM STDIN", copyLines(writes))
          const mode = modeOnceRead()
          // Repeats of a SKU and location: the first stays, the others are reported (one hash aggregate when none).
          const duplicates = yield* tx
            .query(`
              SELECT i.row, i.sku, i.location, d.first_row
              FROM import_input i
              JOIN (SELECT sku, location, min(row) AS first_row FROM import_input
                    GROUP BY sku, location HAVING count(*) > 1) d USING (sku, location)
              WHERE i.row > d.first_row ORDER BY i.row`)
            .pipe(Effect.flatMap((r) => Effect.orDie(decodeDuplicates(r.rows))))
          if (duplicates.length > 0) {
            yield* tx.query("DELETE FROM import_input WHERE row = ANY($1::int[])", [duplicates.map((d) => d.row)])
          }
          // Analysed before joining: estimated blind, the planner picks a nested loop that turns 100k rows quadratic.
          yield* tx.query("ANALYZE import_input")
          // SKUs resolved in one pass: a row without a product (product_id NULL) is reported, never written.
          yield* tx.query(
            `CREATE TEMP TABLE import_rows ON COMMIT DROP AS
             SELECT i.row, i.sku, i.qty, i.location, p.id AS product_id
             FROM import_input i LEFT JOIN products p ON p.organization_id = $1 AND p.sku = i.sku`,
            [organizationId]
          )
          yield* tx.query("ANALYZE import_rows")
          const unknownSku = yield* tx
            .query("SELECT row, sku FROM import_rows WHERE product_id IS NULL ORDER BY row")
            .pipe(Effect.flatMap((r) => Effect.orDie(decodeRefused(r.rows))))
          // A check only reports: no locks. A write locks what exists, in the order reservations lock, then judges
          // against the locked state.
          if (mode !== "check") {
            yield* tx.query(`
              SELECT 1 FROM inventory_levels il
              JOIN import_rows r ON r.product_id = il.product_id AND r.location = il.location
              ORDER BY il.product_id, il.location FOR UPDATE OF il`)
          }
          const belowReserved = yield* tx
            .query(`
              SELECT r.row, r.sku FROM import_rows r
              JOIN inventory_levels il ON il.product_id = r.product_id AND il.location = r.location
              WHERE il.quantity_reserved > r.qty ORDER BY r.row`)
            .pipe(Effect.flatMap((r) => Effect.orDie(decodeRefused(r.rows))))
          const result = {
            unknownSku,
            belowReserved,
            duplicates: duplicates.map((d) => ({ row: d.row, sku: d.sku, location: d.location, firstRow: d.first_row }))
          }
          // Every refused row is reported in every mode, so an all-or-nothing report names all of them at once.
          const refused = unknownSku.length + belowReserved.length + duplicates.length
          if (mode === "check" || (mode === "atomic" && refused > 0)) return { applied: 0, ...result }
          const written = yield* tx.query(
            `INSERT INTO inventory_levels (organization_id, product_id, location, quantity_on_hand)
             SELECT $1, r.product_id, r.location, r.qty FROM import_rows r
             WHERE r.product_id IS NOT NULL AND r.row <> ALL($2::int[])
             ORDER BY r.product_id, r.location
             ON CONFLICT (product_id, location) DO UPDATE
               SET quantity_on_hand = EXCLUDED.quantity_on_hand, updated_at = now()`,
            [organizationId, belowReserved.map((b) => b.row)]
          )
          return { applied: written.rowCount, ...result }
        })
      ).pipe(Effect.provideService(PgCopy.CopyPool, copyPool), Effect.withSpan("InventoryRepository.importOnHand"))

    const setOnHand: InventoryRepositoryShape["setOnHand"] = (organizationId, writes, mode) =>
      importOnHand(organizationId, Stream.fromIterable(writes.map((w, row) => ({ ...w, row }))), () => mode).pipe(
        Effect.map((r) => ({
          applied: r.applied,
          unknownSku: r.unknownSku.map((u) => u.row),
          belowReserved: r.belowReserved.map((b) => b.row),
          duplicates: r.duplicates.map((d) => d.row)
        })),
        Effect.withSpan("InventoryRepository.setOnHand", { attributes: { rows: writes.length } })
      )

    return InventoryRepository.of({ upsertProducts, levels, setOnHand, importOnHand })
  })
)
