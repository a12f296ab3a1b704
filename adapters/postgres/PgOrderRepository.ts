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
/** An order as JSON (timestamps as text): the form a SQL function returns it in. */
const OrderJson = Schema.Struct({
  ...OrderRow.fields,
  reservation_expires_at: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  created_us: Schema.optionalKey(Schema.String)
})
const decodeCreated = Schema.decodeUnknownEffect(
  Schema.Struct({
    outcome: Schema.Literals(["created", "existing", "unknown_sku", "out_of_stock"]),
    created_at: Schema.NullOr(Schema.Date),
    unknown_skus: Schema.NullOr(Schema.Array(Schema.String)),
    short_sku: Schema.NullOr(Schema.String),
    requested: Schema.NullOr(Schema.Int),
    available: Schema.NullOr(Schema.Int),
    existing: Schema.NullOr(OrderJson)
  })
)
const iso = (d: Date | string) => DateTime.formatIso(DateTime.fromDateUnsafe(typeof d === "string" ? new Date(d) : d))
const toOrder = (r: typeof OrderRow.Type | typeof OrderJson.Type) =>
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
     * ONE statement: `order_create_reserved()` (migration 0019) sets the organisation context for the call, resolves
     * the SKUs, writes the order, its lines and reservations and reserves the stock in product-id order, all or
     * nothing — no transaction of ours around it (inside an enclosing unit of work it simply joins it). A channel
     * order already recorded under the same external id is answered as recorded, nothing reserved.
     */
    const createReserved: OrderRepositoryShape["createReserved"] = (organizationId, order, demand, expiresAt) =>
      Effect.gen(function* () {
        if (order.lines.length === 0) return yield* Effect.die(new Error("an order has at least one line"))
        const expires = expiresAt === undefined ? null : new Date(DateTime.toEpochMillis(expiresAt))
        const lines = JSON.stringify(
          order.lines.map((line, i) => ({
            line_no: i + 1,
            sku: line.sku,
            quantity: line.quantity,
            unit_price_cents: line.unitPriceCents
          }))
        )
        const row = yield* sql`
          SELECT * FROM order_create_reserved(${organizationId}, ${order.id}, ${order.source}, ${order.connectionId ?? null},
            ${order.externalOrderId ?? null}, ${order.location}, ${order.currency}, ${order.customerEmail ?? null},
            ${expires}, ${lines}::jsonb, ${JSON.stringify(demand)}::jsonb)`.pipe(
          Effect.flatMap(theRow("OrderRepository.createReserved: order_create_reserved()")),
          Effect.flatMap((r) => Effect.orDie(decodeCreated(r)))
        )
        switch (row.outcome) {
          case "unknown_sku":
            return yield* new UnknownSku({ skus: row.unknown_skus ?? [] })
          case "out_of_stock":
            return yield* new OutOfStock({
              sku: row.short_sku ?? "",
              requested: row.requested ?? 0,
              available: row.available ?? 0
            })
          case "existing": {
            if (row.existing === null)
              return yield* Effect.die(new Error("OrderRepository.createReserved: 'existing' without the order"))
            return { order: toOrder(row.existing), created: false }
          }
          case "created": {
            if (row.created_at === null)
              return yield* Effect.die(new Error("OrderRepository.createReserved: 'created' without created_at"))
            // Everything the answer holds was just written: no read back.
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
              createdAt: iso(row.created_at)
            })
            return { order: created, created: true }
          }
        }
      }).pipe(Effect.mapError(failure("createReserved")), Effect.withSpan("OrderRepository.createReserved"))

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
