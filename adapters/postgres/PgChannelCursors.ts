/**
 * ChannelCursors on Postgres: columns of the connection row, written under the organisation's row-level
 * security (claims on the explicit platform path). `advance` keeps the greater of the stored and the new cursor,
 * so concurrent syncs never rewind it.
 */
import { DateTime, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { ChannelCursors } from "../../core/channels/ports/ChannelCursors.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { toPersistenceError } from "./Database.ts"
import { asPlatform, inOrganization } from "./Tenancy.ts"

const date = (t: DateTime.Utc) => new Date(DateTime.toEpochMillis(t))

export const layer = Layer.effect(
  ChannelCursors,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return ChannelCursors.of({
      claimDue: (options) =>
        asPlatform(sql)(sql<{ id: string; organization_id: string }>`
          WITH due AS (
            SELECT id FROM connections
            WHERE status = 'connected' AND provider = ANY(${options.providers})
              AND (orders_synced_at IS NULL OR orders_synced_at <= ${date(DateTime.subtractDuration(options.now, options.every))})
              AND (orders_sync_lease_until IS NULL OR orders_sync_lease_until < ${date(options.now)})
            ORDER BY orders_synced_at NULLS FIRST LIMIT ${options.limit}
            FOR UPDATE SKIP LOCKED
          )
          UPDATE connections c SET orders_sync_lease_owner = ${options.owner},
            orders_sync_lease_until = ${date(DateTime.addDuration(options.now, options.lease))}
          FROM due WHERE c.id = due.id
          RETURNING c.id::text, c.organization_id::text`).pipe(
          Effect.map((rows) =>
            rows.map((r) => ({ organizationId: OrgId.make(r.organization_id), connectionId: r.id }))
          ),
          Effect.mapError(toPersistenceError("ChannelCursors.claimDue"))
        ),
      bury: (organizationId, connectionId, externalOrderId) =>
        inOrganization(
          sql,
          organizationId
        )(sql`
          INSERT INTO channel_order_tombstones (organization_id, connection_id, external_order_id)
          VALUES (${organizationId}, ${connectionId}, ${externalOrderId}) ON CONFLICT DO NOTHING`).pipe(
          Effect.asVoid,
          Effect.mapError(toPersistenceError("ChannelCursors.bury"))
        ),
      isBuried: (organizationId, connectionId, externalOrderId) =>
        inOrganization(
          sql,
          organizationId
        )(sql`
          SELECT 1 FROM channel_order_tombstones
          WHERE organization_id = ${organizationId} AND connection_id = ${connectionId} AND external_order_id = ${externalOrderId}`).pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.mapError(toPersistenceError("ChannelCursors.isBuried"))
        ),
      release: (connectionId, owner, at) =>
        asPlatform(sql)(sql`
          UPDATE connections SET orders_sync_lease_owner = NULL, orders_sync_lease_until = NULL,
            orders_synced_at = greatest(orders_synced_at, ${date(at)}::timestamptz)
          WHERE id = ${connectionId} AND orders_sync_lease_owner = ${owner}`).pipe(
          Effect.asVoid,
          Effect.mapError(toPersistenceError("ChannelCursors.release"))
        ),
      get: (organizationId, connectionId) =>
        inOrganization(
          sql,
          organizationId
        )(sql<{ orders_cursor: Date | null }>`
          SELECT orders_cursor FROM connections WHERE id = ${connectionId}`).pipe(
          Effect.map(([row]) => Option.map(Option.fromNullishOr(row?.orders_cursor), DateTime.fromDateUnsafe)),
          Effect.mapError(toPersistenceError("ChannelCursors.get"))
        ),
      advance: (organizationId, connectionId, to, syncedAt) =>
        inOrganization(
          sql,
          organizationId
        )(sql`
          UPDATE connections SET
            orders_cursor = greatest(orders_cursor, ${Option.match(to, { onNone: () => null, onSome: date })}::timestamptz),
            orders_synced_at = ${date(syncedAt)}
          WHERE id = ${connectionId}`).pipe(
          Effect.asVoid,
          Effect.mapError(toPersistenceError("ChannelCursors.advance"))
        )
    })
  })
)
