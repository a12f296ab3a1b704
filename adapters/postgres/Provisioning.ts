/**
 * Creates the application's role and database on a Postgres server we administer (the embedded development
 * server, test clusters). The role owns the schema but is neither superuser nor BYPASSRLS, so the row-level
 * security that migrations FORCE applies to every query the app makes.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { theRow } from "./Database.ts"

export interface AppDatabase {
  readonly adminUrl: Redacted.Redacted
  readonly role: string
  readonly password: Redacted.Redacted
  readonly database: string
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** The app's connection URL on the same server as `adminUrl`. */
export const appUrl = (app: AppDatabase, database = app.database) => {
  const url = new URL(Redacted.value(app.adminUrl))
  url.username = app.role
  url.password = encodeURIComponent(Redacted.value(app.password))
  url.pathname = `/${database}`
  return Redacted.make(url.href)
}

/** Idempotent: creates (or re-passwords) the role and creates the database owned by it if missing. */
export const ensureAppDatabase = (app: AppDatabase) =>
  Effect.gen(function* () {
    if (!IDENTIFIER.test(app.role) || !IDENTIFIER.test(app.database)) {
      return yield* Effect.die(new Error("role and database names must be plain identifiers"))
    }
    const sql = yield* SqlClient.SqlClient
    const roles = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ${app.role}`
    const template = `${roles[0]?.n === 1 ? "ALTER" : "CREATE"} ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE PASSWORD %L`
    // Utility statements take no bind parameters: let the server quote the identifier and password (format).
    const statement = yield* sql<{ text: string }>`
      SELECT format(${template}::text, ${app.role}::text, ${Redacted.value(app.password)}::text) AS text`.pipe(
      Effect.flatMap(theRow("Provisioning: SELECT format(…)"))
    )
    yield* sql.unsafe(statement.text)
    const databases = yield* sql<{
      n: number
    }>`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${app.database}`
    if (databases[0]?.n !== 1) yield* sql.unsafe(`CREATE DATABASE ${app.database} OWNER ${app.role}`)
    return appUrl(app)
  }).pipe(
    Effect.provide(PgClient.layer({ url: app.adminUrl, maxConnections: 1 })),
    Effect.withSpan("Provisioning.ensureAppDatabase")
  )

/** Refuses a connection that would make row-level security moot. */
export const assertNotPrivileged = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [role] = yield* sql<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>`
    SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`
  return role !== undefined && !role.rolsuper && !role.rolbypassrls
    ? { ok: true as const, role: role.rolname }
    : { ok: false as const, role: role?.rolname ?? "?" }
})
