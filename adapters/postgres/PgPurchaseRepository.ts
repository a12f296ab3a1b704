/** PurchaseRepository on Postgres: rows under the organisation's row-level security; status moves under a row lock. */
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { decide, Purchase, PurchaseStatus } from "../../core/marketplace/Purchase.ts"
import { PurchaseRepository } from "../../core/marketplace/ports/PurchaseRepository.ts"
import { theRow, toPersistenceError } from "./Database.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { asPlatform, inOrganization } from "./Tenancy.ts"

const Row = Schema.Struct({
  id: Schema.String,
  provider: Schema.Literal("g2a"),
  external_order_id: Schema.String,
  product_id: Schema.String,
  price: Schema.Union([Schema.Number, Schema.String]),
  currency: Schema.String,
  status: PurchaseStatus,
  created_at: Schema.Date,
  updated_at: Schema.Date
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
const iso = (d: Date) => DateTime.formatIso(DateTime.fromDateUnsafe(d))
const toPurchase = (r: typeof Row.Type) =>
  new Purchase({
    id: r.id,
    provider: r.provider,
    externalOrderId: r.external_order_id,
    productId: r.product_id,
    price: Number(r.price),
    currency: r.currency,
    status: r.status,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at)
  })

const COLUMNS =
  "id::text, provider, external_order_id, product_id, price::text AS price, currency, status, created_at, updated_at"

export const layer = Layer.effect(
  PurchaseRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // A row that does not decode is a bug (the table's CHECKs guarantee the shape): a defect, not a client error.
    const decoded = (raw: ReadonlyArray<unknown>) => Effect.orDie(decodeRows(raw))
    const rows = (operation: string) => (effect: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>) =>
      effect.pipe(
        Effect.mapError(toPersistenceError(`PurchaseRepository.${operation}`)),
        Effect.flatMap(decoded),
        Effect.map((all) => all.map(toPurchase))
      )
    return PurchaseRepository.of({
      record: (organizationId, p) =>
        inOrganization(
          sql,
          organizationId
        )(sql`
          INSERT INTO marketplace_purchases (id, organization_id, provider, account_id, external_order_id, product_id, price, currency, status, created_by)
          VALUES (${crypto.randomUUID()}, ${organizationId}, ${p.provider}, ${p.accountId}, ${p.externalOrderId}, ${p.productId}, ${p.price.toFixed(2)},
                  ${p.currency}, 'pending', ${p.createdBy ?? null})
          ON CONFLICT (organization_id, provider, account_id, external_order_id) DO UPDATE SET updated_at = marketplace_purchases.updated_at
          RETURNING ${sql.literal(COLUMNS)}`).pipe(
          rows("record"),
          Effect.flatMap(theRow("PurchaseRepository.record: INSERT … RETURNING"))
        ),
      ownerOf: (provider, accountId, externalOrderId) =>
        asPlatform(sql)(sql<{ organization_id: string }>`
          SELECT organization_id::text FROM marketplace_purchases
          WHERE provider = ${provider} AND account_id = ${accountId} AND external_order_id = ${externalOrderId}
          ORDER BY created_at LIMIT 1`).pipe(
          Effect.mapError(toPersistenceError("PurchaseRepository.ownerOf")),
          Effect.map(([row]) => (row === undefined ? Option.none() : Option.some(OrgId.make(row.organization_id))))
        ),
      list: (organizationId, limit) =>
        inOrganization(
          sql,
          organizationId
        )(sql`
          SELECT ${sql.literal(COLUMNS)} FROM marketplace_purchases
          WHERE organization_id = ${organizationId} ORDER BY created_at DESC, id LIMIT ${limit}`).pipe(rows("list")),
      updateStatus: (organizationId, provider, accountId, externalOrderId, status) =>
        inOrganization(
          sql,
          organizationId
        )(
          Effect.gen(function* () {
            const [current] = yield* sql`
            SELECT ${sql.literal(COLUMNS)} FROM marketplace_purchases
            WHERE organization_id = ${organizationId} AND provider = ${provider} AND account_id = ${accountId}
              AND external_order_id = ${externalOrderId}
            FOR UPDATE`.pipe(Effect.flatMap(decoded))
            if (current === undefined) return Option.none()
            const decision = decide(current.status, status)
            if (decision !== "apply") return Option.some({ decision, purchase: toPurchase(current) })
            const updated = yield* sql`
            UPDATE marketplace_purchases SET status = ${status}, updated_at = now()
            WHERE id = ${current.id} RETURNING ${sql.literal(COLUMNS)}`.pipe(
              Effect.flatMap(decoded),
              Effect.flatMap(theRow("PurchaseRepository.updateStatus: UPDATE … RETURNING of the row locked"))
            )
            return Option.some({ decision, purchase: toPurchase(updated) })
          })
        ).pipe(Effect.mapError(toPersistenceError("PurchaseRepository.updateStatus")))
    })
  })
)
