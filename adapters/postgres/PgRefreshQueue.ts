/**
 * RefreshQueue on Postgres (platform path). Due = connected, not backing off, not leased, and either within the
 * refresh margin of expiry or not refreshed for the maximum age. Time comes from the caller's clock, so the
 * runner can be driven by a test clock.
 */
import { DateTime, Duration, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { ConnectionId, ProviderId } from "../../core/connections/Connection.ts"
import { RefreshQueue } from "../../core/connections/ports/RefreshQueue.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { toPersistenceError } from "./Database.ts"
import { asPlatform } from "./Tenancy.ts"

const Row = Schema.Struct({
  id: ConnectionId,
  organization_id: OrgId,
  provider: ProviderId,
  forced: Schema.Boolean,
  lag_seconds: Schema.Number
})
const decode = Schema.decodeUnknownEffect(Schema.Array(Row))
const at = (t: DateTime.Utc) => new Date(DateTime.toEpochMillis(t))

export const layer = Layer.effect(
  RefreshQueue,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return RefreshQueue.of({
      claimDue: (options) =>
        Effect.gen(function* () {
          if (options.providers.length === 0) return []
          const now = at(options.now)
          const dueBy = at(DateTime.addDuration(options.now, options.margin))
          const staleBefore = at(DateTime.subtractDuration(options.now, options.maxAge))
          const leaseUntil = at(DateTime.addDuration(options.now, options.lease))
          const rows = yield* asPlatform(sql)(sql`
            WITH due AS (
              SELECT id FROM connections
              WHERE status = 'connected' AND provider = ANY(${[...options.providers]}::text[])
                -- A token without expiry (non-expiring offline token, API keys) has nothing to refresh.
                AND token_expires_at IS NOT NULL
                AND (token_expires_at <= ${dueBy} OR last_refreshed_at IS NULL OR last_refreshed_at <= ${staleBefore})
                AND (next_refresh_at IS NULL OR next_refresh_at <= ${now})
                AND (refresh_lease_until IS NULL OR refresh_lease_until < ${now})
              ORDER BY token_expires_at NULLS FIRST LIMIT ${options.limit}
              FOR UPDATE SKIP LOCKED
            )
            UPDATE connections c SET refresh_lease_owner = ${options.owner}, refresh_lease_until = ${leaseUntil}
            FROM due WHERE c.id = due.id
            RETURNING c.id, c.organization_id, c.provider,
              NOT (c.token_expires_at <= ${dueBy}) AS forced,
              greatest(0, extract(epoch FROM (${now}::timestamptz - coalesce(c.token_expires_at - make_interval(secs => ${Duration.toSeconds(options.margin)}), ${now}::timestamptz))))::float8 AS lag_seconds`)
          const decoded = yield* Effect.orDie(decode(rows))
          return decoded.map((r) => ({
            organizationId: r.organization_id,
            connectionId: r.id,
            provider: r.provider,
            forced: r.forced,
            lagSeconds: r.lag_seconds
          }))
        }).pipe(Effect.mapError(toPersistenceError("RefreshQueue.claimDue")), Effect.withSpan("RefreshQueue.claimDue")),
      settle: (connectionId, owner, outcome) =>
        asPlatform(sql)(
          outcome._tag === "Refreshed"
            ? sql`UPDATE connections SET refresh_lease_owner = NULL, refresh_lease_until = NULL, refresh_failures = 0, next_refresh_at = NULL
                  WHERE id = ${connectionId} AND refresh_lease_owner = ${owner}`
            : outcome._tag === "RetryAt"
              ? sql`UPDATE connections SET refresh_lease_owner = NULL, refresh_lease_until = NULL,
                    refresh_failures = refresh_failures + 1, next_refresh_at = ${at(outcome.at)}
                  WHERE id = ${connectionId} AND refresh_lease_owner = ${owner}`
              : sql`UPDATE connections SET refresh_lease_owner = NULL, refresh_lease_until = NULL
                  WHERE id = ${connectionId} AND refresh_lease_owner = ${owner}`
        ).pipe(Effect.asVoid, Effect.mapError(toPersistenceError("RefreshQueue.settle"))),
      failures: (connectionId) =>
        asPlatform(sql)(
          sql<{ n: number }>`SELECT refresh_failures AS n FROM connections WHERE id = ${connectionId}`
        ).pipe(
          Effect.map((rows) => rows[0]?.n ?? 0),
          Effect.mapError(toPersistenceError("RefreshQueue.failures"))
        )
    })
  })
)
