/**
 * COPY for bulk writes: a small `pg` pool beside the app's @effect/sql-pg pool, same database, role and session
 * limits, used only where rows must be streamed in with COPY FROM STDIN (`pg-copy-streams`).
 *
 * Why a second driver: @effect/sql-pg 4.0.5 speaks the wire protocol with its own client, not `pg`. The raw pooled
 * connection it hands out (`PgPool.reserve` / `SqlClient.reserve` → `PgConnection`) offers `query`, `queryValues`,
 * `stream` and `listen` only, and its message loop treats `CopyInResponse` as a protocol desync ("COPY is not
 * supported") and closes the session. There is no socket or `pg` client inside to reach, so no cast could make COPY
 * work over it; `pg-copy-streams` needs a real `pg` client.
 *
 * Owns: the pool, one transaction at a time per caller with the organisation's row-level-security context set in it,
 * COPY with backpressure, and aborting cleanly. Does not own: what is copied or why (the repositories).
 *
 * Aborting: when the work fails or is interrupted (the client went away, the request deadline passed), the COPY is
 * failed (CopyFail), a running statement is cancelled (pg_cancel_backend), the transaction rolled back, and the
 * connection goes back to the pool — or is closed if any of that fails. Nothing is ever half-written.
 */
import { Context, Data, Duration, Effect, Layer, Redacted, Stream } from "effect"
import pg from "pg"
import { from as copyFrom } from "pg-copy-streams"
import { finished } from "node:stream/promises"
import { PersistenceError } from "../../core/shared/errors.ts"

export interface CopyPoolOptions {
  readonly url: Redacted.Redacted
  readonly poolMax: number
  readonly connectTimeout: Duration.Duration
  readonly statementTimeout: Duration.Duration
  readonly applicationName: string
}

export class CopyPool extends Context.Service<
  CopyPool,
  { readonly pool: pg.Pool; readonly clientConfig: pg.ClientConfig }
>()("tradeport/adapters/postgres/CopyPool") {}

/** Bulk imports are few: a quarter of the app's pool (at least 2); more wait for one, within the connect timeout. */
const copyPoolSize = (poolMax: number) => Math.max(2, Math.ceil(poolMax / 4))

export const layer = (options: CopyPoolOptions) =>
  Layer.effect(
    CopyPool,
    Effect.gen(function* () {
      const context = yield* Effect.context<never>()
      const statementTimeout = Duration.toMillis(options.statementTimeout)
      const clientConfig: pg.ClientConfig = {
        connectionString: Redacted.value(options.url),
        connectionTimeoutMillis: Duration.toMillis(options.connectTimeout),
        statement_timeout: statementTimeout,
        idle_in_transaction_session_timeout: statementTimeout * 2,
        application_name: `${options.applicationName}-copy`
      }
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const made = new pg.Pool({ ...clientConfig, max: copyPoolSize(options.poolMax), idleTimeoutMillis: 30_000 })
          // An idle connection that breaks is dropped by the pool; say so instead of crashing on an unhandled event.
          made.on("error", (error) =>
            Effect.runForkWith(context)(
              Effect.logWarning("idle COPY connection failed").pipe(Effect.annotateLogs(describe(error)))
            )
          )
          return made
        }),
        (made) => Effect.promise(() => made.end())
      )
      return CopyPool.of({ pool, clientConfig })
    })
  )

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

const describe = (cause: unknown) => ({
  code: codeOf(cause) ?? "none",
  error: cause instanceof Error ? cause.message : String(cause)
})

/** SQLSTATE (or a socket error code) → the port-level reason, as Database.toPersistenceError does for the main pool. */
const reasonOf = (cause: unknown): PersistenceError["reason"] => {
  const code = codeOf(cause)
  if (code === undefined || code.length !== 5 || code.startsWith("08") || code.startsWith("28") || code === "53300")
    return "Unavailable"
  if (code === "57014" || code === "55P03" || code === "40P01" || code === "40001") return "Timeout"
  if (code.startsWith("57P")) return "Unavailable"
  return code.startsWith("22") ? "Invalid" : "Rejected"
}

const failure = (operation: string) => (cause: unknown) =>
  Effect.logWarning("COPY transaction failed").pipe(
    Effect.annotateLogs({ operation, ...describe(cause) }),
    Effect.andThen(Effect.fail(new PersistenceError({ operation, reason: reasonOf(cause) })))
  )

/** What the driver or the server said; becomes a PersistenceError (and a log line) when the transaction ends. */
export class DriverFailure extends Data.TaggedError("CopyDriverFailure")<{ readonly cause: unknown }> {}

export interface CopyTransaction {
  /** One parameterised statement; rows as the driver returns them (decode them), and how many it touched. */
  readonly query: (
    text: string,
    values?: ReadonlyArray<unknown>
  ) => Effect.Effect<{ readonly rows: ReadonlyArray<unknown>; readonly rowCount: number }, DriverFailure>
  /** `COPY … FROM STDIN` fed by `data` (each element a run of complete lines), honouring backpressure. */
  readonly copyFrom: <E>(text: string, data: Stream.Stream<string, E>) => Effect.Effect<void, E | DriverFailure>
}

/** What is running on the connection right now, for aborting it. */
interface Activity {
  pid: number | undefined
  statement: Promise<void> | undefined
  copy: ReturnType<typeof copyFrom> | undefined
  /** The connection itself failed (the server went away): it must be closed, not rolled back and reused. */
  broken: Error | undefined
}

const abort = async (client: pg.PoolClient, clientConfig: pg.ClientConfig, activity: Activity) => {
  if (activity.broken !== undefined) {
    client.release(activity.broken)
    return
  }
  try {
    if (activity.copy !== undefined) {
      // Sends CopyFail: the server ends the COPY with an error and the transaction is failed.
      activity.copy.destroy(new Error("import aborted"))
      await finished(activity.copy).catch(() => undefined)
    }
    if (activity.statement !== undefined && activity.pid !== undefined) {
      const canceller = new pg.Client(clientConfig)
      // A connection that breaks emits 'error' besides rejecting what is pending; unheard, that event ends the process.
      // The rejection below is what reports it.
      canceller.on("error", () => undefined)
      await canceller.connect()
      try {
        await canceller.query("SELECT pg_cancel_backend($1)", [activity.pid])
      } finally {
        await canceller.end()
      }
      await activity.statement
    }
    await client.query("ROLLBACK")
    client.release()
  } catch (error) {
    // The connection's state is unknown: close it rather than hand it to the next import.
    client.release(error instanceof Error ? error : true)
    throw error
  }
}

/**
 * Runs `work` in one transaction on a connection of the COPY pool, with `app.org_id` set in it (row-level security
 * as for every other tenant write), and commits. Failure or interruption aborts as described above.
 */
export const inOrganization = <A, E>(
  operation: string,
  organizationId: string,
  work: (tx: CopyTransaction) => Effect.Effect<A, E | DriverFailure>
): Effect.Effect<A, Exclude<E, DriverFailure> | PersistenceError, CopyPool> =>
  Effect.gen(function* () {
    const { pool, clientConfig } = yield* CopyPool
    const activity: Activity = { pid: undefined, statement: undefined, copy: undefined, broken: undefined }
    // A checked-out client has no pool listener: when its connection ends unexpectedly (a failover, a killed backend)
    // it emits 'error', which would end the whole process unheard. Pending queries reject as well; this marks the
    // connection to be closed instead of reused.
    const onBroken = (error: Error) => {
      activity.broken ??= error
    }
    const tx = (client: pg.PoolClient): CopyTransaction => {
      const query: CopyTransaction["query"] = (text, values) =>
        Effect.suspend(() => {
          const running = client.query({ text, values: values === undefined ? [] : [...values] })
          const settled = running.then(
            () => undefined,
            () => undefined
          )
          activity.statement = settled
          void settled.then(() => {
            if (activity.statement === settled) activity.statement = undefined
          })
          return Effect.tryPromise({ try: () => running, catch: (cause) => new DriverFailure({ cause }) }).pipe(
            Effect.map((r) => ({ rows: r.rows, rowCount: r.rowCount ?? 0 }))
          )
        })
      const statementTimeout = (millis: number) =>
        query("SELECT set_config('statement_timeout', $1, true)", [String(millis)])
      const copyIn = <E>(text: string, data: Stream.Stream<string, E>) =>
        Effect.suspend(() => {
          const copy = client.query(copyFrom(text))
          activity.copy = copy
          let failed: { readonly cause: unknown } | undefined
          copy.on("error", (cause) => {
            failed ??= { cause }
          })
          const write = (text: string) =>
            Effect.callback<void, DriverFailure>((resume) => {
              if (failed !== undefined) return resume(Effect.fail(new DriverFailure(failed)))
              if (copy.write(text)) return resume(Effect.void)
              const onDrain = () => {
                copy.off("error", onError)
                resume(Effect.void)
              }
              const onError = (cause: unknown) => {
                copy.off("drain", onDrain)
                resume(Effect.fail(new DriverFailure({ cause })))
              }
              copy.once("drain", onDrain)
              copy.once("error", onError)
              return Effect.sync(() => {
                copy.off("drain", onDrain)
                copy.off("error", onError)
              })
            })
          const end = Effect.tryPromise({
            try: () => {
              copy.end()
              return finished(copy)
            },
            catch: (cause) => new DriverFailure(failed ?? { cause })
          })
          // A COPY waiting for the client's next bytes notices a failed connection at its next write, or at the
          // request's deadline: racing the body read does not help, its interruption waits for the next bytes too.
          return Stream.runForEach(data, write).pipe(
            Effect.andThen(end),
            Effect.tap(() =>
              Effect.sync(() => {
                activity.copy = undefined
              })
            )
          )
        })
      return {
        query,
        // The COPY lasts as long as the client's upload: the server's statement timeout would cut a slow but healthy
        // one. The request's deadline bounds it instead (its interruption aborts and cancels, see abort); the
        // set-based statements after it are bounded again.
        copyFrom: (text, data) =>
          statementTimeout(0).pipe(
            Effect.andThen(copyIn(text, data)),
            Effect.andThen(statementTimeout(Number(clientConfig.statement_timeout ?? 0)))
          )
      }
    }
    return yield* Effect.acquireUseRelease(
      Effect.tryPromise({ try: () => pool.connect(), catch: (cause) => new DriverFailure({ cause }) }).pipe(
        Effect.tap((client) => Effect.sync(() => client.on("error", onBroken)))
      ),
      (client) =>
        Effect.gen(function* () {
          const t = tx(client)
          yield* t.query("BEGIN")
          const {
            rows: [row]
          } = yield* t.query("SELECT set_config('app.org_id', $1, true), pg_backend_pid() AS pid", [organizationId])
          activity.pid = pidOf(row)
          const result = yield* work(t)
          yield* t.query("COMMIT")
          return result
        }),
      (client, exit) =>
        (exit._tag === "Success" && activity.broken === undefined
          ? Effect.sync(() => client.release())
          : Effect.tryPromise({ try: () => abort(client, clientConfig, activity), catch: (cause) => cause })
        ).pipe(
          Effect.catch((cause) =>
            Effect.logWarning("COPY transaction could not be rolled back; its connection was closed").pipe(
              Effect.annotateLogs({ operation, ...describe(cause) })
            )
          ),
          // Only once the connection is back in the pool (which listens to it again) or closed.
          Effect.ensuring(Effect.sync(() => client.off("error", onBroken)))
        )
    ).pipe(
      Effect.catchIf(
        (error): error is DriverFailure => error instanceof DriverFailure,
        (error) => failure(operation)(error.cause)
      )
    )
  })

const pidOf = (row: unknown) =>
  typeof row === "object" && row !== null && "pid" in row && typeof row.pid === "number" ? row.pid : undefined
