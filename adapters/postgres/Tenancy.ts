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

/** Whether these helpers already opened a transaction around the caller (a new one is then a savepoint in it). */
class OpenTransaction extends Context.Reference<boolean>("tradeport/adapters/postgres/OpenTransaction", {
  defaultValue: () => false
}) {}

type Setting = "app.org_id" | "app.user_id" | "app.platform"

/**
 * Runs `effect` in a transaction with `setting` = `value`. Nested in another unit of work it is a savepoint, and a
 * setting made in a savepoint outlives the savepoint's release: the outer work's value is put back however the
 * inner work ends, so a platform or other-organisation context never leaks into the rest of the outer transaction.
 */
const withSetting = <A, E, R>(
  sql: SqlClient.SqlClient,
  setting: Setting,
  value: string,
  effect: Effect.Effect<A, E, R>
) =>
  Effect.gen(function* () {
    const body = Effect.andThen(sql`SELECT set_config(${setting}, ${value}, true)`, effect)
    if (!(yield* OpenTransaction))
      return yield* sql.withTransaction(body).pipe(Effect.provideService(OpenTransaction, true))
    const [previous] = yield* sql<{ value: string }>`SELECT coalesce(current_setting(${setting}, true), '') AS value`
    return yield* sql
      .withTransaction(body)
      .pipe(Effect.ensuring(sql`SELECT set_config(${setting}, ${previous?.value ?? ""}, true)`.pipe(Effect.ignore)))
  })

/**
 * Runs `effect` in a transaction carrying the organisation's context. Inside a transaction of the same organisation
 * it simply joins it: a nested savepoint and a second `set_config` would cost three extra round trips per
 * statement and change nothing — a failure inside fails the whole unit of work, which rolls back as one.
 */
export const inOrganization =
  (sql: SqlClient.SqlClient, organizationId: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    Effect.gen(function* () {
      if ((yield* TenantTransaction) === organizationId) return yield* effect
      return yield* withSetting(
        sql,
        "app.org_id",
        organizationId,
        effect.pipe(Effect.provideService(TenantTransaction, organizationId))
      )
    })

/** The explicit platform path for "what belongs to this user" (login): only the user's own memberships show. */
export const asUser =
  (sql: SqlClient.SqlClient, userId: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    withSetting(sql, "app.user_id", userId, effect)

/**
 * The explicit platform path for background work that spans organisations (token refresh runner, key rotation).
 * Only those jobs call it; request handling never does.
 */
export const asPlatform =
  (sql: SqlClient.SqlClient) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    withSetting(sql, "app.platform", "on", effect)

/**
 * The explicit platform path for one account's password change or reset: a transaction holding the user row FOR
 * UPDATE, so the session repository's opens and rotations (which take it FOR SHARE) wait for it to end. Units of work
 * nested inside are savepoints that put the outer settings back.
 */
export const forAccount =
  (sql: SqlClient.SqlClient, userId: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    Effect.gen(function* () {
      const body = Effect.andThen(sql`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`, effect)
      if (yield* OpenTransaction) return yield* sql.withTransaction(body)
      return yield* sql.withTransaction(body).pipe(Effect.provideService(OpenTransaction, true))
    })
