/** JobStore on Postgres (`job_runs`, platform table): upsert per job and instance; summaries aggregate per job. */
import { DateTime, Duration, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { JobStore } from "../../core/ops/ports/JobStore.ts"
import { toPersistenceError } from "./Database.ts"

const Row = Schema.Struct({
  job: Schema.String,
  every_ms: Schema.Union([Schema.Number, Schema.String]),
  instances: Schema.Number,
  last_run_at: Schema.NullOr(Schema.Date),
  last_success_at: Schema.NullOr(Schema.Date),
  last_error: Schema.NullOr(Schema.String),
  consecutive_failures: Schema.Number
})
const decode = Schema.decodeUnknownEffect(Schema.Array(Row))
const utc = (d: Date | null) => (d === null ? undefined : DateTime.fromDateUnsafe(d))
const date = (t: DateTime.Utc | undefined) => (t === undefined ? null : new Date(DateTime.toEpochMillis(t)))

export const layer = Layer.effect(
  JobStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return JobStore.of({
      record: (r) =>
        sql`
          INSERT INTO job_runs (job, instance_id, every_ms, last_run_at, last_success_at, last_error, consecutive_failures, runs, updated_at)
          VALUES (${r.job}, ${r.instanceId}, ${Duration.toMillis(r.every)}, ${date(r.lastRunAt)}, ${date(r.lastSuccessAt)},
                  ${r.lastError?.slice(0, 500) ?? null}, ${r.consecutiveFailures}, ${r.runs}, now())
          ON CONFLICT (job, instance_id) DO UPDATE SET every_ms = EXCLUDED.every_ms, last_run_at = EXCLUDED.last_run_at,
            last_success_at = EXCLUDED.last_success_at, last_error = EXCLUDED.last_error,
            consecutive_failures = EXCLUDED.consecutive_failures, runs = EXCLUDED.runs, updated_at = now()`.pipe(
          Effect.asVoid,
          Effect.mapError(toPersistenceError("JobStore.record"))
        ),
      summaries: sql`
        SELECT job, min(every_ms)::float8 AS every_ms, count(*)::int AS instances, max(last_run_at) AS last_run_at,
               max(last_success_at) AS last_success_at,
               (array_agg(last_error ORDER BY last_run_at DESC NULLS LAST))[1] AS last_error,
               (array_agg(consecutive_failures ORDER BY last_run_at DESC NULLS LAST))[1] AS consecutive_failures
        FROM job_runs GROUP BY job ORDER BY job`.pipe(
        Effect.mapError(toPersistenceError("JobStore.summaries")),
        Effect.flatMap((rows) => Effect.orDie(decode(rows))),
        Effect.map((rows) =>
          rows.map((r) => {
            const every = Duration.millis(Number(r.every_ms))
            const lastRunAt = utc(r.last_run_at)
            return {
              job: r.job,
              every,
              instances: r.instances,
              lastRunAt,
              lastSuccessAt: utc(r.last_success_at),
              nextRunAt: lastRunAt === undefined ? undefined : DateTime.addDuration(lastRunAt, every),
              lastError: r.last_error ?? undefined,
              consecutiveFailures: r.consecutive_failures
            }
          })
        )
      )
    })
  })
)
