/**
 * OrderRepository on Postgres.
 *
 * Concurrency strategy — conditional UPDATE, rows locked in product-id order:
 *   UPDATE inventory_levels SET quantity_reserved = quantity_reserved + q
 *   WHERE product_id = p AND location = l AND quantity_on_hand - quantity_reserved >= q
 * The UPDATE takes the row lock; a concurrent reservation of the same row waits, and Postgres re-checks the WHERE
 * clause against the committed row before applying (READ COMMITTED re-evaluation), so availability is decided on
 * the latest state: no oversell, and no SELECT … FOR UPDATE round trip per line. Every transaction touches rows in
 * ascending product id, so two orders sharing SKUs queue instead of deadlocking. One line short → the whole
 * transaction rolls back: the order, its lines and the other reservations were never there.
 */
import { DateTime, Effect, Layer, Option, Result, Schema } from "effect"
import { SqlClient, SqlError, type Statement } from "effect/sql"
import { OutOfStock, UnknownSku } from "../../core/inventory/Inventory.ts"
import {
  inventoryEffect,
  Order,
  OrderId,
  OrderLine,
  OrderNotFound,
  OrderStatus,
  Sku,
  transition
} from "../../core/orders/Order.ts"
import { OrderRepository, type OrderRepositoryShape } from "../../core/orders/ports/OrderRepository.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { theRow, toPersistenceError } from "./Database.ts"
import { asPlatform, inOrganization } from "./Tenancy.ts"

const OrderRow = Schema.Struct({
  id: OrderId,
  organization_id: OrgId,
  source: Schema.Literals(["api", "channel"]),
  connection_id: Schema.NullOr(Schema.String),
  external_order_id: Schema.NullOr(Schema.String),
  status: OrderStatus,
  location: Schema.String,
  currency: Schema.String,
  reservation_expires_at: Schema.NullOr(Schema.Date),
  created_at: Schema.Date,
  created_us: Schema.String,
  lines: Schema.Array(
    Schema.Struct({ sku: Sku, quantity: Schema.Number, unit_price_cents: Schema.Union([Schema.Number, Schema.String]) })
  )
})
const decodeOrders = Schema.decodeUnknownEffect(Schema.Array(OrderRow))
const iso = (d: Date) => DateTime.formatIso(DateTime.fromDateUnsafe(d))
const toOrder = (r: typeof OrderRow.Type) =>
  new Order({
    id: r.id,
    organizationId: r.organization_id,
    source: r.source,
    connectionId: r.connection_id,
    externalOrderId: r.external_order_id,
    status: r.status,
    location: r.location,
    currency: r.currency,
    lines: r.lines.map(
      (l) => new OrderLine({ sku: l.sku, quantity: l.quantity, unitPriceCents: Number(l.unit_price_cents) })
    ),
    reservationExpiresAt: r.reservation_expires_at === null ? null : iso(r.reservation_expires_at),
    createdAt: iso(r.created_at)
  })

export const layer = Layer.effect(
  OrderRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const failure =
      (operation: string) =>
      <E>(e: E) =>
        SqlError.isSqlError(e)
          ? toPersistenceError(`OrderRepository.${operation}`)(e)
          : (e as Exclude<E, SqlError.SqlError>)

    const select = (where: Statement.Fragment) => sql`
      SELECT o.id, o.organization_id, o.source, o.connection_id, o.external_order_id, o.status, o.location, o.currency,
             o.reservation_expires_at, o.created_at, floor(extract(epoch FROM o.created_at) * 1000000)::bigint::text AS created_us,
             coalesce((SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'unit_price_cents', l.unit_price_cents)
                                        ORDER BY l.line_no)
                       FROM order_lines l WHERE l.order_id = o.id), '[]'::json) AS lines
      FROM orders o WHERE ${where}`
    const loadOne = (organizationId: OrgId, id: string) =>
      select(sql`o.organization_id = ${organizationId} AND o.id = ${id}`).pipe(
        Effect.flatMap((rows) => Effect.orDie(decodeOrders(rows))),
        Effect.map((rows) => Option.fromNullishOr(rows[0]).pipe(Option.map(toOrder)))
      )

    /**
     * The order first (a channel order already recorded under the same external id is answered as recorded, nothing
     * reserved), then its lines and reservations in ONE statement, then its stock (rows locked in product-id order,
     * last, so a hot row is held for as short as possible): BEGIN, set_config, products, order, lines +
     * reservations, one UPDATE per product, COMMIT. A product short fails the transaction: nothing of the order
     * remains (callers never catch OutOfStock inside an enclosing transaction they then commit).
     */
    const createReserved: OrderRepositoryShape["createReserved"] = (organizationId, order, demand, expiresAt) =>
      inOrganization(
        sql,
        organizationId
      )(
        Effect.gen(function* () {
          const skus = demand.map((d) => d.sku)
          const products = yield* sql<{ id: string; sku: string }>`
          SELECT id::text, sku FROM products WHERE organization_id = ${organizationId} AND sku IN ${sql.in(skus)}`
          const productOf = new Map(products.map((p) => [p.sku, p.id]))
          const missing = skus.filter((s) => !productOf.has(s))
          if (missing.length > 0) return yield* new UnknownSku({ skus: missing })
          if (order.lines.length === 0) return yield* Effect.die(new Error("an order has at least one line"))

          const expires = expiresAt === undefined ? null : new Date(DateTime.toEpochMillis(expiresAt))
          const [inserted] = yield* sql<{ created_at: Date }>`
          INSERT INTO orders (id, organization_id, connection_id, external_order_id, source, status, location, currency,
                              customer_email, reservation_expires_at)
          VALUES (${order.id}, ${organizationId}, ${order.connectionId ?? null}, ${order.externalOrderId ?? null}, ${order.source},
                  'reserved', ${order.location}, ${order.currency}, ${order.customerEmail ?? null}, ${expires})
          ON CONFLICT (organization_id, connection_id, external_order_id) WHERE external_order_id IS NOT NULL DO NOTHING
          RETURNING created_at`
          if (inserted === undefined) {
            const existing =
              yield* select(sql`o.organization_id = ${organizationId} AND o.connection_id = ${order.connectionId ?? null}
                                             AND o.external_order_id = ${order.externalOrderId ?? null}`).pipe(
                Effect.flatMap((rows) => Effect.orDie(decodeOrders(rows))),
                Effect.flatMap(
                  theRow("OrderRepository.createReserved: re-read of the order the insert conflicted with")
                )
              )
            return { order: toOrder(existing), created: false }
          }
          // Every SKU of the order was found above (UnknownSku otherwise): a miss here is a bug.
          const withProduct = <A extends { readonly sku: string }>(items: ReadonlyArray<A>) =>
            Effect.forEach(items, (item) => {
              const productId = productOf.get(item.sku)
              return productId === undefined
                ? Effect.die(
                    new Error(
                      `OrderRepository.createReserved: SKU ${item.sku} has no product after the UnknownSku check`
                    )
                  )
                : Effect.succeed({ item, productId })
            })
          const ordered = (yield* withProduct(demand)).sort((a, b) => (a.productId < b.productId ? -1 : 1))
          const lines = JSON.stringify(
            (yield* withProduct(order.lines)).map(({ item: line, productId }, i) => ({
              line_no: i + 1,
              product_id: productId,
              sku: line.sku,
              quantity: line.quantity,
              unit_price_cents: line.unitPriceCents
            }))
          )
          const holds = JSON.stringify(
            ordered.map(({ item: d, productId }) => ({ product_id: productId, quantity: d.quantity }))
          )
          yield* sql`
          WITH l AS (
            INSERT INTO order_lines (order_id, line_no, organization_id, product_id, sku, quantity, unit_price_cents)
            SELECT ${order.id}, l.line_no, ${organizationId}, l.product_id, l.sku, l.quantity, l.unit_price_cents
            FROM json_to_recordset(${lines}::json) AS l(line_no int, product_id uuid, sku text, quantity int, unit_price_cents bigint)
          )
          INSERT INTO reservations (order_id, product_id, organization_id, location, quantity, status, expires_at)
          SELECT ${order.id}, h.product_id, ${organizationId}, ${order.location}, h.quantity, 'open', ${expires}
          FROM json_to_recordset(${holds}::json) AS h(product_id uuid, quantity int)`
          // The stock last: the hot inventory row stays locked only from here to COMMIT.
          for (const { item: d, productId } of ordered) {
            const reserved = yield* sql`
            UPDATE inventory_levels SET quantity_reserved = quantity_reserved + ${d.quantity}, updated_at = now()
            WHERE product_id = ${productId} AND location = ${order.location}
              AND quantity_on_hand - quantity_reserved >= ${d.quantity}
            RETURNING 1`
            if (reserved.length === 0) {
              const [level] = yield* sql<{ available: number }>`
              SELECT quantity_on_hand - quantity_reserved AS available FROM inventory_levels
              WHERE product_id = ${productId} AND location = ${order.location}`
              return yield* new OutOfStock({ sku: d.sku, requested: d.quantity, available: level?.available ?? 0 })
            }
          }
          // Everything the answer holds was just written here: no read back.
          const created = new Order({
            id: order.id,
            organizationId,
            source: order.source,
            connectionId: order.connectionId ?? null,
            externalOrderId: order.externalOrderId ?? null,
            status: "reserved",
            location: order.location,
            currency: order.currency,
            lines: order.lines,
            reservationExpiresAt: expires === null ? null : iso(expires),
            createdAt: iso(inserted.created_at)
          })
          return { order: created, created: true }
        })
      ).pipe(Effect.mapError(failure("createReserved")), Effect.withSpan("OrderRepository.createReserved"))

    /** Moves the order and its stock together, inventory rows locked in product-id order (as reservations do). */
    const transact = (organizationId: string, id: string, action: Parameters<OrderRepositoryShape["apply"]>[2]) =>
      Effect.gen(function* () {
        const [current] = yield* sql<{ status: typeof OrderStatus.Type }>`
          SELECT status FROM orders WHERE organization_id = ${organizationId} AND id = ${id} FOR UPDATE`
        if (current === undefined) return yield* new OrderNotFound()
        const next = transition(current.status, action)
        if (Result.isFailure(next)) return yield* next.failure
        const effect = inventoryEffect(current.status, next.success)
        if (effect !== "none") {
          yield* sql`
            SELECT 1 FROM inventory_levels il JOIN reservations r ON r.product_id = il.product_id AND r.location = il.location
            WHERE r.order_id = ${id} AND r.status = 'open' ORDER BY il.product_id FOR UPDATE OF il`
          yield* effect === "commit"
            ? sql`
              UPDATE inventory_levels il SET quantity_on_hand = il.quantity_on_hand - r.quantity,
                quantity_reserved = il.quantity_reserved - r.quantity, updated_at = now()
              FROM reservations r
              WHERE r.order_id = ${id} AND r.status = 'open' AND il.product_id = r.product_id AND il.location = r.location`
            : sql`
              UPDATE inventory_levels il SET quantity_reserved = il.quantity_reserved - r.quantity, updated_at = now()
              FROM reservations r
              WHERE r.order_id = ${id} AND r.status = 'open' AND il.product_id = r.product_id AND il.location = r.location`
          yield* sql`UPDATE reservations SET status = ${effect === "commit" ? "committed" : "released"}
                     WHERE order_id = ${id} AND status = 'open'`
        }
        yield* sql`UPDATE orders SET status = ${next.success}, updated_at = now(),
                   reservation_expires_at = CASE WHEN ${next.success} = 'reserved' THEN reservation_expires_at END
                   WHERE id = ${id}`
      })

    const apply: OrderRepositoryShape["apply"] = (organizationId, id, action) =>
      inOrganization(
        sql,
        organizationId
      )(
        Effect.gen(function* () {
          yield* transact(organizationId, id, action)
          return Option.getOrThrow(yield* loadOne(organizationId, id))
        })
      ).pipe(Effect.mapError(failure("apply")), Effect.withSpan("OrderRepository.apply", { attributes: { action } }))

    const get: OrderRepositoryShape["get"] = (organizationId, id) =>
      inOrganization(sql, organizationId)(loadOne(organizationId, id)).pipe(Effect.mapError(failure("get")))

    const findByExternal: OrderRepositoryShape["findByExternal"] = (organizationId, connectionId, externalOrderId) =>
      inOrganization(
        sql,
        organizationId
      )(
        select(sql`o.organization_id = ${organizationId} AND o.connection_id = ${connectionId}
                                                    AND o.external_order_id = ${externalOrderId}`)
      ).pipe(
        Effect.flatMap((rows) => Effect.orDie(decodeOrders(rows))),
        Effect.map((rows) => Option.fromNullishOr(rows[0]).pipe(Option.map(toOrder))),
        Effect.mapError(failure("findByExternal"))
      )

    const list: OrderRepositoryShape["list"] = (organizationId, query) =>
      inOrganization(
        sql,
        organizationId
      )(
        Effect.gen(function* () {
          const [cursorAt, cursorId] = query.before === undefined ? [undefined, undefined] : query.before.split("_")
          const rows = yield* select(sql`o.organization_id = ${organizationId}
          ${query.status === undefined ? sql`` : sql`AND o.status = ${query.status}`}
          ${cursorAt === undefined ? sql`` : sql`AND (floor(extract(epoch FROM o.created_at) * 1000000)::bigint, o.id) < (${cursorAt}::bigint, ${cursorId ?? ""}::uuid)`}
          ORDER BY o.created_at DESC, o.id DESC LIMIT ${query.limit + 1}`).pipe(
            Effect.flatMap((r) => Effect.orDie(decodeOrders(r)))
          )
          const page = rows.slice(0, query.limit)
          const last = page[page.length - 1]
          return {
            orders: page.map(toOrder),
            // Microseconds, as stored: a millisecond cursor would skip rows created within the same millisecond.
            nextCursor: rows.length > query.limit && last !== undefined ? `${last.created_us}_${last.id}` : undefined
          }
        })
      ).pipe(Effect.mapError(failure("list")))

    /**
     * Each expiry is its own short transaction (in the order's organisation): one transaction holding many orders
     * would lock inventory rows order by order, out of the global product-id order, and could deadlock with a
     * reservation. An order another instance expired, or someone fulfilled, meanwhile is simply skipped.
     */
    const expireDue: OrderRepositoryShape["expireDue"] = (now, limit) =>
      Effect.gen(function* () {
        const due = yield* asPlatform(sql)(sql<{ id: string; organization_id: string }>`
          SELECT id::text, organization_id::text FROM orders
          WHERE status = 'reserved' AND reservation_expires_at <= ${new Date(DateTime.toEpochMillis(now))}
          ORDER BY reservation_expires_at LIMIT ${limit}`)
        let expired = 0
        for (const order of due) {
          const done = yield* inOrganization(
            sql,
            order.organization_id
          )(transact(order.organization_id, order.id, "expire")).pipe(
            Effect.as(true),
            Effect.catchTag("IllegalTransition", () => Effect.succeed(false)),
            Effect.catchTag("OrderNotFound", () => Effect.succeed(false))
          )
          if (done) expired++
        }
        return expired
      }).pipe(Effect.mapError(failure("expireDue")), Effect.withSpan("OrderRepository.expireDue"))

    return OrderRepository.of({ createReserved, get, findByExternal, list, apply, expireDue })
  })
)
