/**
 * ShipmentRepository on Postgres, under the organisation's row-level security; the tracking poller's claim runs
 * on the explicit platform path and takes rows with SKIP LOCKED, stamping them as checked so several scheduler
 * instances spread the work instead of repeating it.
 */
import { Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { OrderId } from "../../core/orders/Order.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { ShipmentRepository } from "../../core/shipping/ports/ShipmentRepository.ts"
import { ProviderId, Shipment, ShipmentId, TrackingStatus } from "../../core/shipping/Shipment.ts"
import { toPersistenceError } from "./Database.ts"
import { asPlatform, inOrganization } from "./Tenancy.ts"

const Row = Schema.Struct({
  id: ShipmentId,
  order_id: OrderId,
  connection_id: Schema.NullOr(Schema.String),
  carrier: ProviderId,
  service: Schema.String,
  tracking_number: Schema.String,
  label_reference: Schema.String,
  status: TrackingStatus,
  status_description: Schema.String,
  created_at: Schema.Date,
  updated_at: Schema.Date
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
const toShipment = (r: typeof Row.Type) =>
  new Shipment({
    id: r.id,
    orderId: r.order_id,
    connectionId: r.connection_id ?? "",
    carrier: r.carrier,
    service: r.service,
    trackingNumber: r.tracking_number,
    labelReference: r.label_reference,
    status: r.status,
    statusDescription: r.status_description,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString()
  })
const COLUMNS =
  "id, order_id, connection_id::text, carrier, service, tracking_number, label_reference, status, status_description, created_at, updated_at"

export const layer = Layer.effect(
  ShipmentRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const columns = sql.literal(COLUMNS)
    const shipments =
      (operation: string) =>
      <R>(effect: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError, R>) =>
        effect.pipe(
          Effect.mapError(toPersistenceError(`ShipmentRepository.${operation}`)),
          Effect.flatMap((rows) => Effect.orDie(decodeRows(rows))),
          Effect.map((rows) => rows.map(toShipment))
        )
    return ShipmentRepository.of({
      record: (organizationId, s) =>
        inOrganization(
          sql,
          organizationId
        )(sql`
          INSERT INTO shipments (id, organization_id, order_id, connection_id, carrier, service, tracking_number, label_reference)
          VALUES (${s.id}, ${organizationId}, ${s.orderId}, ${s.connectionId}, ${s.carrier}, ${s.service}, ${s.trackingNumber}, ${s.labelReference})
          RETURNING ${columns}`).pipe(
          shipments("record"),
          Effect.flatMap((rows) =>
            rows[0] === undefined
              ? Effect.die(new Error("INSERT … RETURNING returned no row"))
              : Effect.succeed(rows[0])
          )
        ),
      forOrder: (organizationId, orderId) =>
        inOrganization(
          sql,
          organizationId
        )(sql`
          SELECT ${columns} FROM shipments WHERE order_id = ${orderId} ORDER BY created_at`).pipe(
          shipments("forOrder")
        ),
      get: (organizationId, id) =>
        inOrganization(
          sql,
          organizationId
        )(sql`SELECT ${columns} FROM shipments WHERE id = ${id}`).pipe(
          shipments("get"),
          Effect.map((rows) => Option.fromNullishOr(rows[0]))
        ),
      track: (organizationId, id, status, description) =>
        inOrganization(
          sql,
          organizationId
        )(sql<{ id: string }>`
          UPDATE shipments SET status = ${status}, status_description = ${description}, checked_at = now(), updated_at = now()
          WHERE id = ${id} AND (status <> ${status} OR status_description <> ${description})
          RETURNING id`).pipe(
          Effect.map((rows) => ({ changed: rows.length > 0 })),
          Effect.mapError(toPersistenceError("ShipmentRepository.track"))
        ),
      claimOpen: (limit) =>
        asPlatform(sql)(sql<{
          id: string
          organization_id: string
          connection_id: string | null
          carrier: "fedex" | "dhl"
          tracking_number: string
        }>`
          WITH due AS (
            SELECT s.id FROM shipments s JOIN connections c ON c.id = s.connection_id
            WHERE s.status <> 'delivered' AND c.status = 'connected'
              -- A parcel not delivered after 60 days (returned, lost, an unknown number) is not asked about forever.
              AND s.created_at > now() - interval '60 days'
            ORDER BY s.checked_at NULLS FIRST LIMIT ${limit} FOR UPDATE OF s SKIP LOCKED
          )
          UPDATE shipments s SET checked_at = now() FROM due WHERE s.id = due.id
          RETURNING s.id::text, s.organization_id::text, s.connection_id::text, s.carrier, s.tracking_number`).pipe(
          Effect.map((rows) =>
            rows.map((r) => ({
              organizationId: OrgId.make(r.organization_id),
              id: ShipmentId.make(r.id),
              connectionId: r.connection_id ?? "",
              carrier: r.carrier,
              trackingNumber: r.tracking_number
            }))
          ),
          Effect.mapError(toPersistenceError("ShipmentRepository.claimOpen"))
        )
    })
  })
)
