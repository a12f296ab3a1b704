/**
 * A fresh, migrated database per test file, cloned from the run's template; and layers that point the app's
 * Postgres adapter at it.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { inject } from "vitest"
import * as Database from "../../adapters/postgres/Database.ts"
import * as Provisioning from "../../adapters/postgres/Provisioning.ts"

const TEMPLATE = "tradeport_template"
const APP_ROLE = "tradeport"
const APP_PASSWORD = "tradeport-test-password"

/** A superuser connection to the app's test database, for assertions that must look past row-level security. */
export class AdminDatabase extends Context.Service<AdminDatabase, { readonly sql: SqlClient.SqlClient }>()(
  "test/AdminDatabase"
) {
  static readonly layer = (appUrl: string, adminUrl: string = inject("databaseAdminUrl")) =>
    Layer.effect(
      AdminDatabase,
      Effect.gen(function* () {
        const admin = new URL(adminUrl)
        admin.pathname = new URL(appUrl).pathname
        const context = yield* Layer.build(PgClient.layer({ url: Redacted.make(admin.href), maxConnections: 2 }))
        return { sql: Context.get(context, SqlClient.SqlClient) }
      })
    )
}

/** A fresh migrated database owned by the app role; returns the app role's URL to it. */
export const createDatabase = Effect.gen(function* () {
  const admin = inject("databaseAdminUrl")
  const name = `tp_${randomBytes(6).toString("hex")}`
  yield* Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE DATABASE ${sql(name)} OWNER ${sql(APP_ROLE)} TEMPLATE ${sql(TEMPLATE)}`
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(admin), maxConnections: 1 })))
  return Redacted.value(
    Provisioning.appUrl({
      adminUrl: Redacted.make(admin),
      role: APP_ROLE,
      password: Redacted.make(APP_PASSWORD),
      database: name
    })
  )
}).pipe(Effect.orDie)

/** SqlClient on a fresh migrated database. */
export const layer = Layer.unwrap(
  createDatabase.pipe(
    Effect.map((url) =>
      Database.layer({
        url: Redacted.make(url),
        poolMax: 10,
        connectTimeout: Duration.seconds(5),
        statementTimeout: Duration.seconds(10),
        applicationName: "tradeport-test"
      })
    )
  )
)
