/**
 * Port: the state of background jobs as every process can see it (the HTTP app reports what schedulers do):
 * one record per job and scheduler instance, written after every run.
 */
import { Context, DateTime, Duration, type Effect } from "effect"
import type { PersistenceError } from "../../shared/errors.ts"

export interface JobRecord {
  readonly job: string
  readonly instanceId: string
  readonly every: Duration.Duration
  readonly lastRunAt: DateTime.Utc | undefined
  readonly lastSuccessAt: DateTime.Utc | undefined
  readonly lastError: string | undefined
  readonly consecutiveFailures: number
  readonly runs: number
}

export interface JobSummary {
  readonly job: string
  readonly every: Duration.Duration
  readonly instances: number
  readonly lastRunAt: DateTime.Utc | undefined
  readonly lastSuccessAt: DateTime.Utc | undefined
  readonly nextRunAt: DateTime.Utc | undefined
  readonly lastError: string | undefined
  readonly consecutiveFailures: number
}

export class JobStore extends Context.Service<
  JobStore,
  {
    readonly record: (record: JobRecord) => Effect.Effect<void, PersistenceError>
    /** Per job, across instances: the latest run and success, and the failures of the instance that ran last. */
    readonly summaries: Effect.Effect<ReadonlyArray<JobSummary>, PersistenceError>
  }
>()("tradeport/core/ops/ports/JobStore") {}

/** A job is unhealthy when it has not succeeded for `missed` of its intervals. */
export const isLagging = (summary: JobSummary, now: DateTime.Utc, missed = 3) => {
  const reference = summary.lastSuccessAt ?? summary.lastRunAt
  if (reference === undefined) return false
  return DateTime.toEpochMillis(now) - DateTime.toEpochMillis(reference) > missed * Duration.toMillis(summary.every)
}
