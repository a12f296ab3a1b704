/**
 * The Postgres connection pool (`@effect/sql-pg`), configured from DATABASE_* variables: pool size, connect
 * timeout and a server-side statement timeout sent in the startup packet, so no query can hold a connection
 * longer than configured. Also registers the `database` readiness probe and maps driver errors to the
 * PersistenceError every port uses.
 */
import { PgClient } from "@effect/sql-pg"
import { Config, Duration, Effect, Layer, type Redacted } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { Readiness } from "../../core/ops/Readiness.ts"
import { PersistenceError } from "../../core/shared/errors.ts"
import * as PgCopy from "./PgCopy.ts"

export interface DatabaseOptions {
  readonly url: Redacted.Redacted
  readonly poolMax: number
  readonly connectTimeout: Duration.Duration
  readonly statementTimeout: Duration.Duration
  readonly applicationName: string
}

export const PoolConfig = Config.all({
  poolMax: Config.Int("DATABASE_POOL_MAX").pipe(Config.withDefault(10)),
  connectTimeout: Config.Duration("DATABASE_CONNECT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(5))),
  statementTimeout: Config.Duration("DATABASE_STATEMENT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10)))
})

/** The app's pool, and beside it the small COPY pool bulk imports stream through (PgCopy.ts). */
export const layer = (options: DatabaseOptions) =>
  Layer.merge(PgClient.layer(clientOptions(options)), PgCopy.layer(options))

const clientOptions = (options: DatabaseOptions): PgClient.PgPoolConfig => ({
  url: options.url,
  maxConnections: options.poolMax,
  minConnections: 0,
  idleTimeout: Duration.seconds(30),
  connectTimeout: options.connectTimeout,
  applicationName: options.applicationName,
  startupParameters: {
    statement_timeout: String(Duration.toMillis(options.statementTimeout)),
    idle_in_transaction_session_timeout: String(Duration.toMillis(options.statementTimeout) * 2)
  }
})

const sqlState = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

/**
 * Driver error → the port-level error: "try later" (Unavailable, Timeout — deadlocks and serialization failures
 * included: a retry succeeds), "bad data" (Invalid: SQLSTATE class 22, data exceptions such as a NUL byte in text)
 * versus "refused" (Rejected: a bug).
 */
export const toPersistenceError =
  (operation: string) =>
  (error: SqlError.SqlError): PersistenceError => {
    switch (error.reason._tag) {
      case "ConnectionError":
      case "AuthenticationError":
        return new PersistenceError({ operation, reason: "Unavailable" })
      case "StatementTimeoutError":
      case "LockTimeoutError":
      case "DeadlockError":
      case "SerializationError":
        return new PersistenceError({ operation, reason: "Timeout" })
      default:
        return new PersistenceError({
          operation,
          reason: sqlState(error.reason.cause)?.startsWith("22") ? "Invalid" : "Rejected"
        })
    }
  }

/**
 * The row a statement cannot fail to return (INSERT … RETURNING, a row just written or still locked, a SELECT of
 * an expression): none is a bug, so a defect naming the statement rather than a crash on `undefined` further on.
 */
export const theRow =
  (statement: string) =>
  <A>(rows: ReadonlyArray<A>): Effect.Effect<A> => {
    const [row] = rows
    return row === undefined ? Effect.die(new Error(`${statement}: expected a row, got none`)) : Effect.succeed(row)
  }

export const probe = Layer.effectDiscard(
  Effect.gen(function* () {
    const readiness = yield* Readiness
    const sql = yield* SqlClient.SqlClient
    yield* readiness.register({
      name: "database",
      critical: true,
      check: sql`SELECT 1`.pipe(
        Effect.as({ status: "up" as const }),
        Effect.catch((e) => Effect.succeed({ status: "down" as const, detail: e.reason._tag }))
      )
    })
  })
)
