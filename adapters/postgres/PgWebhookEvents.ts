/**
 * WebhookEvents on Postgres: `INSERT … ON CONFLICT (connection_id, event_id) DO NOTHING` inside the pipeline's
 * transaction. Of 100 concurrent deliveries of one event, one inserts (and applies, then commits); the others
 * wait on the unique index and find the row: duplicates. `applyOnce` is one statement, `webhook_apply()` (migration
 * 0021): the event and its order change (through `order_create_reserved()`, 0019, for a new order) at once.
 */

const Applied = Schema.Struct({
  result: Schema.Literals([
    "duplicate",
    "created",
    "existing",
    "buried",
    "moved",
    "unchanged",
    "missing",
    "unknown_sku",
    "out_of_stock",
    "illegal"
  ]),
  unknown_skus: Schema.NullOr(Schema.Array(Schema.String)),
  short_sku: Schema.NullOr(Schema.String),
  requested: Schema.NullOr(Schema.Int),
  available: Schema.NullOr(Schema.Int),
  from_status: Schema.NullOr(OrderStatus)
})
const decodeApplied = Schema.decodeUnknownEffect(Applied)

/** The change as the SQL function reads it. */
const asJson = (change: OrderChange) =>
  JSON.stringify(
    change.kind === "create"
      ? {
          kind: "create",
          external: change.order.externalOrderId,
          id: change.order.id,
          location: change.order.location,
          currency: change.order.currency,
          email: change.order.customerEmail ?? null,
          expires: change.expiresAt === undefined ? null : DateTime.formatIso(change.expiresAt),
          lines: change.order.lines.map((line, i) => ({
            line_no: i + 1,
            sku: line.sku,
            quantity: line.quantity,
            unit_price_cents: line.unitPriceCents
          })),
          demand: change.demand
        }
      : {
          kind: "move",
          external: change.externalOrderId,
          action: change.action,
          moves: change.moves,
          unchanged: change.unchanged,
          skip_if_buried: change.skipIfBuried,
          when_missing: change.whenMissing
        }
  )

const toResult = (row: typeof Applied.Type): Effect.Effect<ChangeResult | { readonly result: "duplicate" }> => {
  switch (row.result) {
    case "unknown_sku":
      return Effect.succeed({ result: row.result, skus: row.unknown_skus ?? [] })
    case "out_of_stock":
      return Effect.succeed({
        result: row.result,
        sku: row.short_sku ?? "",
        requested: row.requested ?? 0,
        available: row.available ?? 0
      })
    case "illegal":
      return row.from_status === null
        ? Effect.die(new Error("webhook_apply(): 'illegal' without the order's status"))
        : Effect.succeed({ result: row.result, from: row.from_status })
    default:
      return Effect.succeed({ result: row.result })
  }
}
import { DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import type { ChangeResult, OrderChange } from "../../core/channels/OrderChange.ts"
import { OrderStatus } from "../../core/orders/Order.ts"
import { WebhookEvents, type WebhookEventsShape } from "../../core/webhooks/ports/WebhookEvents.ts"
import { theRow, toPersistenceError } from "./Database.ts"
import { inOrganization } from "./Tenancy.ts"

export const layer = Layer.effect(
  WebhookEvents,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const applyOnce: WebhookEventsShape["applyOnce"] = (event, change) =>
      sql`SELECT * FROM webhook_apply(${event.organizationId}, ${event.provider}, ${event.eventId}, ${event.connectionId},
                                      ${event.topic}, ${event.payload}, ${asJson(change)}::jsonb)`.pipe(
        Effect.flatMap(theRow("WebhookEvents.applyOnce: webhook_apply()")),
        Effect.flatMap((row) => Effect.orDie(decodeApplied(row))),
        Effect.flatMap(toResult),
        Effect.mapError(toPersistenceError("WebhookEvents.applyOnce")),
        Effect.withSpan("WebhookEvents.applyOnce")
      )
    return WebhookEvents.of({
      applyOnce,
      exists: (event) =>
        inOrganization(
          sql,
          event.organizationId
        )(sql`
          SELECT 1 FROM webhook_events WHERE connection_id = ${event.connectionId} AND event_id = ${event.eventId}`).pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.mapError(toPersistenceError("WebhookEvents.exists"))
        ),
      recordApplied: (event) =>
        inOrganization(
          sql,
          event.organizationId
        )(sql`
          INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome)
          VALUES (${randomUUID()}, ${event.provider}, ${event.eventId}, ${event.organizationId}, ${event.connectionId},
                  ${event.topic}, ${event.payload}, 'applied')
          ON CONFLICT (connection_id, event_id) DO NOTHING
          RETURNING 1`).pipe(
          Effect.map((rows) => rows.length === 1),
          Effect.mapError(toPersistenceError("WebhookEvents.recordApplied")),
          Effect.withSpan("WebhookEvents.recordApplied")
        ),
      recordOutcome: (event, outcome, detail) =>
        inOrganization(
          sql,
          event.organizationId
        )(sql`
          INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome, detail)
          VALUES (${randomUUID()}, ${event.provider}, ${event.eventId}, ${event.organizationId}, ${event.connectionId},
                  ${event.topic}, ${event.payload}, ${outcome}, ${detail.slice(0, 500)})
          ON CONFLICT (connection_id, event_id) DO UPDATE SET outcome = EXCLUDED.outcome, detail = EXCLUDED.detail,
            attempts = webhook_events.attempts + 1
            WHERE webhook_events.outcome <> 'applied' OR EXCLUDED.outcome = 'ignored'`).pipe(
          Effect.asVoid,
          Effect.mapError(toPersistenceError("WebhookEvents.recordOutcome"))
        )
    })
  })
)
