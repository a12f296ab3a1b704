/**
 * Row-level-security context. Tenant tables' policies read `app.org_id` / `app.user_id`; these helpers set them
 * with `set_config(…, is_local => true)` inside a transaction, so the setting dies with the transaction and can
 * never leak to the next user of a pooled connection.
 */
import { Context, Effect } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

/** The organisation whose row-level-security context the current transaction carries (set by the outermost call). */
class TenantTransaction extends Context.Reference<string | undefined>("tradeport/adapters/postgres/TenantTransaction", {
  defaultValue: () => undefined
}) {}

/**
 * Runs `effect` in a transaction carrying the organisation's context. Inside a transaction of the same organisation
 * it simply joins it: a nested savepoint and a second `set_config` would cost three extra round trips per
 * statement and change nothing — a failure inside fails the whole unit of work, which rolls back as one.
 */
export const inOrganization = (sql: SqlClient.SqlClient, organizationId: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    Effect.gen(function*() {
      if ((yield* TenantTransaction) === organizationId) return yield* effect
      return yield* sql.withTransaction(Effect.andThen(sql`SELECT set_config('app.org_id', ${organizationId}, true)`, effect)).pipe(
        Effect.provideService(TenantTransaction, organizationId)
      )
    })

/** The explicit platform path for "what belongs to this user" (login): only the user's own memberships show. */
export const asUser = (sql: SqlClient.SqlClient, userId: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    sql.withTransaction(Effect.andThen(sql`SELECT set_config('app.user_id', ${userId}, true)`, effect))

/**
 * The explicit platform path for background work that spans organisations (token refresh runner, key rotation).
 * Only those jobs call it; request handling never does.
 */
export const asPlatform = (sql: SqlClient.SqlClient) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    sql.withTransaction(Effect.andThen(sql`SELECT set_config('app.platform', 'on', true)`, effect))
