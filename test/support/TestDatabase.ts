/**
 * A fresh, migrated database per test file, cloned from the run's template; and layers that point the app's
 * Postgres adapter at it.
 */
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { inject } from "vitest"
import * as Database from "../../adapters/postgres/Database.ts"

const TEMPLATE = "tradeport_template"

export const createDatabase = Effect.gen(function*() {
  const admin = inject("databaseAdminUrl")
  const name = `tp_${randomBytes(6).toString("hex")}`
  yield* Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE DATABASE ${sql(name)} TEMPLATE ${sql(TEMPLATE)}`
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(admin), maxConnections: 1 })))
  const url = new URL(admin)
  url.pathname = `/${name}`
  return url.href
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
