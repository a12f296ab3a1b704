/**
 * Transactions on Postgres: a transaction carrying the organisation's RLS context, or one holding an account's user
 * row FOR UPDATE; nested repository calls join it.
 */
import { Effect, Layer } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { toPersistenceError } from "./Database.ts"
import { forAccount, inOrganization } from "./Tenancy.ts"

export const layer = Layer.effect(
  Transactions,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return Transactions.of({
      inOrganization: (organizationId) => (effect) =>
        inOrganization(
          sql,
          organizationId
        )(effect).pipe(
          Effect.mapError((e) => (SqlError.isSqlError(e) ? toPersistenceError("Transactions.inOrganization")(e) : e))
        ),
      forAccount: (userId) => (effect) =>
        forAccount(
          sql,
          userId
        )(effect).pipe(
          Effect.mapError((e) => (SqlError.isSqlError(e) ? toPersistenceError("Transactions.forAccount")(e) : e))
        )
    })
  })
)
