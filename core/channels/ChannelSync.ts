/**
 * Order sync from a channel (the fallback to webhooks, and the first import after connecting): reads the orders
 * changed since the connection's cursor, page by page, ingests each in its own transaction, and moves the cursor
 * after every page. Running it twice imports nothing twice (ingestion is idempotent on the external id), and an
 * order that cannot be ingested is reported, not retried forever.
 */
import { DateTime, Effect, Option, Stream } from "effect"
import type { OrgId } from "../shared/Ids.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { type ChannelOrder, ChannelOrderRejected, ingest } from "./ChannelOrders.ts"
import { ChannelCursors } from "./ports/ChannelCursors.ts"

/** A channel's orders changed since a moment (inclusive), oldest first, in pages. */
export type OrderFeed<E, R> = (since: Option.Option<DateTime.Utc>) => Stream.Stream<ReadonlyArray<ChannelOrder>, E, R>

export interface SyncReport {
  readonly fetched: number
  readonly created: number
  readonly cancelled: number
  readonly fulfilled: number
  readonly unchanged: number
  readonly failed: ReadonlyArray<{ readonly externalOrderId: string; readonly detail: string }>
  readonly cursor: string | null
}

export const syncOrders = Effect.fn("ChannelSync.syncOrders")(function*<E, R>(organizationId: OrgId, connectionId: string, feed: OrderFeed<E, R>) {
  const cursors = yield* ChannelCursors
  const transactions = yield* Transactions
  let cursor = yield* cursors.get(organizationId, connectionId)
  const report = { fetched: 0, created: 0, cancelled: 0, fulfilled: 0, unchanged: 0, failed: [] as Array<{ externalOrderId: string; detail: string }> }
  yield* Stream.runForEach(feed(cursor), (page) =>
    Effect.gen(function*() {
      for (const order of page) {
        report.fetched++
        const outcome = yield* transactions.inOrganization(organizationId)(ingest(organizationId, connectionId, order)).pipe(
          Effect.catchIf(
            (e): e is ChannelOrderRejected => e instanceof ChannelOrderRejected,
            (e) => Effect.succeed({ failed: e.detail })
          )
        )
        if (typeof outcome === "object") report.failed.push({ externalOrderId: order.externalOrderId, detail: outcome.failed })
        else report[outcome]++
        if (Option.isNone(cursor) || DateTime.isGreaterThan(order.updatedAt, cursor.value)) cursor = Option.some(order.updatedAt)
      }
      yield* cursors.advance(organizationId, connectionId, cursor, yield* DateTime.now)
    }))
  if (report.failed.length > 0) {
    yield* Effect.logWarning("channel orders not imported").pipe(Effect.annotateLogs({ connectionId, failed: report.failed.length }))
  }
  const result: SyncReport = { ...report, cursor: Option.match(cursor, { onNone: () => null, onSome: DateTime.formatIso }) }
  return result
})
