/**
 * ChannelCursors on Postgres: two columns of the connection row, written under the organisation's row-level
 * security. `advance` keeps the greater of the stored and the new cursor, so concurrent syncs never rewind it.
 */
import { DateTime, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { ChannelCursors } from "../../core/channels/ports/ChannelCursors.ts"
import { toPersistenceError } from "./Database.ts"
import { inOrganization } from "./Tenancy.ts"

const date = (t: DateTime.Utc) => new Date(DateTime.toEpochMillis(t))

export const layer = Layer.effect(
  ChannelCursors,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return ChannelCursors.of({
      get: (organizationId, connectionId) =>
        inOrganization(sql, organizationId)(sql<{ orders_cursor: Date | null }>`
          SELECT orders_cursor FROM connections WHERE id = ${connectionId}`).pipe(
          Effect.map(([row]) => Option.map(Option.fromNullishOr(row?.orders_cursor), DateTime.fromDateUnsafe)),
          Effect.mapError(toPersistenceError("ChannelCursors.get"))
        ),
      advance: (organizationId, connectionId, to, syncedAt) =>
        inOrganization(sql, organizationId)(sql`
          UPDATE connections SET
            orders_cursor = greatest(orders_cursor, ${Option.match(to, { onNone: () => null, onSome: date })}::timestamptz),
            orders_synced_at = ${date(syncedAt)}
          WHERE id = ${connectionId}`).pipe(Effect.asVoid, Effect.mapError(toPersistenceError("ChannelCursors.advance")))
    })
  })
)
