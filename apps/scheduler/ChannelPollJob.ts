/**
 * Polls sales channels for orders — the fallback when a webhook was lost, and the first import after connecting.
 * Each run claims the connected connections of every provider with an order feed not synced for `CHANNEL_SYNC_EVERY` (leased:
 * several scheduler instances never sync one connection at once) and syncs each from its cursor. A connection
 * that fails (provider down, token refused) is logged and waits a full interval; it never stops the others.
 */
import { Config, DateTime, Duration, Effect, Option } from "effect"
import { channelProviders, syncClaimed } from "../../core/channels/ChannelSync.ts"
import { ChannelCursors, type ClaimedChannel } from "../../core/channels/ports/ChannelCursors.ts"
import { ConnectionId } from "../../core/connections/Connection.ts"
import { instanceId } from "./Instance.ts"
import type { Job } from "./JobRunner.ts"

export const ChannelPollConfig = Config.all({
  every: Config.Duration("JOB_POLL_CHANNEL_ORDERS_EVERY").pipe(Config.withDefault(Duration.minutes(1))),
  syncEvery: Config.Duration("CHANNEL_SYNC_EVERY").pipe(Config.withDefault(Duration.minutes(10))),
  lease: Config.Duration("CHANNEL_SYNC_LEASE").pipe(Config.withDefault(Duration.minutes(5))),
  batch: Config.Int("CHANNEL_SYNC_BATCH").pipe(Config.withDefault(20)),
  concurrency: Config.Int("CHANNEL_SYNC_CONCURRENCY").pipe(Config.withDefault(4))
})

const syncOne = (claimed: ClaimedChannel) =>
  Effect.gen(function* () {
    const synced = yield* syncClaimed(claimed.organizationId, ConnectionId.make(claimed.connectionId))
    if (Option.isNone(synced)) return { outcome: "gone" as const }
    const report = synced.value
    return {
      outcome: "synced" as const,
      created: report.created,
      cancelled: report.cancelled,
      failed: report.failed.length
    }
  }).pipe(
    Effect.catch((e) =>
      Effect.logWarning("channel order poll failed").pipe(
        Effect.annotateLogs({
          connectionId: claimed.connectionId,
          error: e._tag,
          reason: "reason" in e ? String(e.reason) : null
        }),
        Effect.as({ outcome: "failed" as const })
      )
    ),
    Effect.ensuring(
      Effect.gen(function* () {
        yield* (yield* ChannelCursors)
          .release(claimed.connectionId, instanceId, yield* DateTime.now)
          .pipe(Effect.ignore)
      })
    )
  )

export const pollChannelOrdersJob = (config: Effect.Success<typeof ChannelPollConfig>) =>
  ({
    name: "poll-channel-orders",
    every: config.every,
    timeout: Duration.minutes(30),
    run: Effect.gen(function* () {
      // Claimed only as many as are synced at once, so a claim's lease runs while its connection is being synced
      // (claiming the whole batch up front would let leases lapse in the queue and another instance take them).
      const providers = yield* channelProviders
      const results: Array<Effect.Success<ReturnType<typeof syncOne>>> = []
      while (results.length < config.batch) {
        const claimed = yield* (yield* ChannelCursors).claimDue({
          now: yield* DateTime.now,
          owner: instanceId,
          every: config.syncEvery,
          lease: config.lease,
          limit: Math.min(config.concurrency, config.batch - results.length),
          providers
        })
        if (claimed.length === 0) break
        results.push(...(yield* Effect.forEach(claimed, syncOne, { concurrency: config.concurrency })))
      }
      if (results.length === 0) return
      const summary = { connections: results.length, created: 0, cancelled: 0, failedOrders: 0, failedConnections: 0 }
      for (const r of results) {
        if (r.outcome === "synced") {
          summary.created += r.created
          summary.cancelled += r.cancelled
          summary.failedOrders += r.failed
        } else if (r.outcome === "failed") summary.failedConnections++
      }
      yield* Effect.logInfo("channel orders polled").pipe(Effect.annotateLogs(summary))
    })
  }) satisfies Job<unknown>
