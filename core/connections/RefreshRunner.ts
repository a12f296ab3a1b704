/**
 * The scheduled token refresh runner. Each cycle claims the connections that are due (expiring within the
 * margin, or not refreshed for 24 hours) under a lease, and refreshes each through the TokenManager — so the
 * single-flight lock and the atomic rotation apply exactly as for on-demand refreshes. A transient failure backs
 * the connection off exponentially (30 s … 1 h) and notifies once per streak (`connection.refresh_failed`); a
 * permanent one has already marked it needs_reauth and notified.
 */
import { Cause, DateTime, Duration, Effect, Metric } from "effect"
import type { Credentials, ProviderId } from "./Connection.ts"
import { connectionTokenSource, type ProviderTokenError, type TokenGrant } from "./ConnectionTokens.ts"
import { Notifier } from "../notifications/ports/Notifier.ts"
import { RefreshQueue } from "./ports/RefreshQueue.ts"
import { defaultPolicy } from "./TokenLifecycle.ts"
import { TokenManager } from "./TokenManager.ts"

export type Grant<R> = (credentials: Credentials) => Effect.Effect<TokenGrant, ProviderTokenError, R>

export interface RunnerOptions<R> {
  /** This scheduler instance (lease owner). */
  readonly owner: string
  readonly env: string
  /** The refresh grant of every provider that has one; connections of other providers are left alone. */
  readonly grants: ReadonlyMap<ProviderId, Grant<R>>
  readonly lease: Duration.Duration
  readonly batch: number
  readonly concurrency: number
}

const attempts = Metric.counter("refresh_runner_attempts_total", { description: "Scheduled refreshes by outcome" })
const lag = Metric.histogram("refresh_runner_lag_seconds", {
  description: "How late a scheduled refresh started against its due time",
  boundaries: [0, 1, 5, 15, 60, 300, 900, 3600]
})

export const MAX_AGE = Duration.hours(24)

/** Exponential backoff per connection after transient failures: 30 s, 1 min, 2 min … capped at an hour. */
export const backoff = (failures: number) => Duration.seconds(Math.min(3600, 30 * 2 ** Math.max(0, failures)))

/** One cycle: claims and refreshes batch after batch until nothing due is left for this instance. */
export const runCycle = Effect.fn("RefreshRunner.runCycle")(function* <R>(options: RunnerOptions<R>) {
  const total = { claimed: 0, refreshed: 0, needsReauth: 0, retrying: 0 }
  while (true) {
    const batch = yield* runBatch(options)
    total.claimed += batch.claimed
    total.refreshed += batch.refreshed
    total.needsReauth += batch.needsReauth
    total.retrying += batch.retrying
    if (batch.claimed < options.batch) return total
  }
})

const runBatch = Effect.fnUntraced(function* <R>(options: RunnerOptions<R>) {
  const queue = yield* RefreshQueue
  const manager = yield* TokenManager
  const notifier = yield* Notifier
  const now = yield* DateTime.now
  const due = yield* queue.claimDue({
    now,
    owner: options.owner,
    lease: options.lease,
    margin: defaultPolicy.margin,
    maxAge: MAX_AGE,
    providers: [...options.grants.keys()],
    limit: options.batch
  })
  const results = yield* Effect.forEach(
    due,
    (connection) =>
      Effect.gen(function* () {
        yield* Metric.update(lag, connection.lagSeconds)
        const grant = options.grants.get(connection.provider)
        // Only providers with a grant are claimed (claimDue is given the grants' keys): a miss is a bug, and it is
        // handled like every other defect of a refresh (backed off, notified).
        const outcome = yield* (
          grant === undefined
            ? Effect.die(
                new Error(`RefreshRunner: claimed a ${connection.provider} connection but has no refresh grant for it`)
              )
            : manager.get(
                connectionTokenSource({
                  organizationId: connection.organizationId,
                  connectionId: connection.connectionId,
                  provider: connection.provider,
                  env: options.env,
                  grant
                }),
                { force: connection.forced }
              )
        ).pipe(Effect.exit)
        if (outcome._tag === "Success") {
          yield* queue.settle(connection.connectionId, options.owner, { _tag: "Refreshed" })
          yield* Metric.update(Metric.withAttributes(attempts, { outcome: "refreshed" }), 1)
          return "refreshed" as const
        }
        const failure = Cause.findErrorOption(outcome.cause)
        const permanent =
          failure._tag === "Some" && failure.value._tag === "TokenUnavailable" && failure.value.reason !== "transient"
        if (permanent) {
          yield* queue.settle(connection.connectionId, options.owner, { _tag: "Done" })
          yield* Metric.update(Metric.withAttributes(attempts, { outcome: "needs_reauth" }), 1)
          return "needs_reauth" as const
        }
        const failures = yield* queue.failures(connection.connectionId)
        const reason = failure._tag === "Some" ? failure.value._tag : "defect"
        // Once per streak: the first failure after a success notifies, the retries that follow do not.
        if (failures === 0) {
          yield* notifier.notify({
            type: "connection.refresh_failed",
            organizationId: connection.organizationId,
            connectionId: connection.connectionId,
            provider: connection.provider,
            detail: `scheduled token refresh failed (${reason}); retrying with backoff`
          })
        }
        yield* queue.settle(connection.connectionId, options.owner, {
          _tag: "RetryAt",
          at: DateTime.addDuration(yield* DateTime.now, backoff(failures))
        })
        yield* Metric.update(Metric.withAttributes(attempts, { outcome: "retry" }), 1)
        yield* Effect.logWarning("scheduled refresh failed, backing off").pipe(
          Effect.annotateLogs({ connection: connection.connectionId, failures: failures + 1, reason })
        )
        return "retry" as const
      }),
    { concurrency: options.concurrency }
  )
  return {
    claimed: due.length,
    refreshed: results.filter((r) => r === "refreshed").length,
    needsReauth: results.filter((r) => r === "needs_reauth").length,
    retrying: results.filter((r) => r === "retry").length
  }
})
