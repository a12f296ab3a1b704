/**
 * InventoryRepository on Postgres. Bulk writes travel as one JSON parameter expanded server-side
 * (json_to_recordset): one round trip for 100k rows. Inventory rows are locked in product-id order, the order
 * reservations use, so an import and concurrent orders queue instead of deadlocking.
 */
import { Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import { InventoryRepository, type InventoryRepositoryShape } from "../../core/inventory/ports/InventoryRepository.ts"
import { toPersistenceError } from "./Database.ts"
import { inOrganization } from "./Tenancy.ts"

const LevelRow = Schema.Struct({
  sku: Schema.String,
  location: Schema.String,
  on_hand: Schema.Number,
  reserved: Schema.Number
})
const decodeLevels = Schema.decodeUnknownEffect(Schema.Array(LevelRow))

export const layer = Layer.effect(
  InventoryRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
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

    const setOnHand: InventoryRepositoryShape["setOnHand"] = (organizationId, writes, mode) =>
      inOrganization(
        sql,
        organizationId
      )(
        Effect.gen(function* () {
          const input = JSON.stringify(
            writes.map((w, idx) => ({ idx, sku: w.sku, location: w.location, qty: w.onHand }))
          )
          // Land the input first and ANALYZE it: joined straight from json_to_recordset (estimated at 100 rows), the
          // planner picks a nested loop that turns a 100k-row import quadratic.
          yield* sql`
          CREATE TEMP TABLE import_input ON COMMIT DROP AS
          SELECT * FROM json_to_recordset(${input}::json) AS t(idx int, sku text, location text, qty int)`
          yield* sql`ANALYZE import_input`
          // SKUs resolved in the same pass: a row without a product (product_id NULL) is reported, never written.
          yield* sql`
          CREATE TEMP TABLE import_rows ON COMMIT DROP AS
          SELECT i.idx, i.qty, i.location, p.id AS product_id
          FROM import_input i LEFT JOIN products p ON p.organization_id = ${organizationId} AND p.sku = i.sku`
          yield* sql`ANALYZE import_rows`
          const unknownSku = (yield* sql<{
            idx: number
          }>`SELECT idx FROM import_rows WHERE product_id IS NULL ORDER BY idx`).map((r) => r.idx)
          // A check only reports: no locks. A write locks what exists, in the order reservations lock, then judges
          // against the locked state.
          if (mode !== "check") {
            yield* sql`
            SELECT 1 FROM inventory_levels il JOIN import_rows r ON r.product_id = il.product_id AND r.location = il.location
            ORDER BY il.product_id, il.location FOR UPDATE OF il`
          }
          const blocked = yield* sql<{ idx: number }>`
          SELECT r.idx FROM import_rows r
          JOIN inventory_levels il ON il.product_id = r.product_id AND il.location = r.location
          WHERE il.quantity_reserved > r.qty ORDER BY r.idx`
          const belowReserved = blocked.map((b) => b.idx)
          // Every refused row is reported in every mode, so an all-or-nothing report names all of them at once.
          if (mode === "check" || (mode === "atomic" && (unknownSku.length > 0 || belowReserved.length > 0))) {
            return { applied: 0, unknownSku, belowReserved }
          }
          const [applied] = yield* sql<{ n: number }>`
          WITH written AS (
          INSERT INTO inventory_levels (organization_id, product_id, location, quantity_on_hand)
          SELECT ${organizationId}, r.product_id, r.location, r.qty FROM import_rows r
          WHERE r.product_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM inventory_levels il
                            WHERE il.product_id = r.product_id AND il.location = r.location AND il.quantity_reserved > r.qty)
          ORDER BY r.product_id, r.location
          ON CONFLICT (product_id, location) DO UPDATE SET quantity_on_hand = EXCLUDED.quantity_on_hand, updated_at = now()
          RETURNING 1)
          SELECT count(*)::int AS n FROM written`
          return { applied: applied?.n ?? 0, unknownSku, belowReserved }
        })
      ).pipe(
        failed("setOnHand"),
        Effect.withSpan("InventoryRepository.setOnHand", { attributes: { rows: writes.length } })
      )

    return InventoryRepository.of({ upsertProducts, levels, setOnHand })
  })
)
