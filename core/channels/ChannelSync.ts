/**
 * Order sync from a channel (the fallback to webhooks, and the first import after connecting): reads the orders
 * changed since the connection's cursor, page by page, ingests each in its own transaction, and moves the cursor
 * after every page. Running it twice imports nothing twice (ingestion is idempotent on the external id), and an
 * order that cannot be ingested is reported, not retried forever.
 */
import { DateTime, Effect, Option, Schema, Stream } from "effect"
import type { ConnectionId, ConnectionNotFound, OpenedConnection } from "../connections/Connection.ts"
import * as Connections from "../connections/Connections.ts"
import type { TokenUnavailable } from "../connections/ConnectionTokens.ts"
import type { DecryptionFailed } from "../connections/ports/CredentialVault.ts"
import type { LockTimeout } from "../connections/ports/DistributedLock.ts"
import type { TokenStillRejected } from "../connections/TokenManager.ts"
import type { Principal } from "../identity/Principal.ts"
import { ProviderCatalogue, type ProviderServices } from "../providers/ports/ProviderCatalogue.ts"
import type { ProviderError } from "../providers/ProviderError.ts"
import type { PersistenceError } from "../shared/errors.ts"
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

export const syncOrders = Effect.fn("ChannelSync.syncOrders")(function* <E, R>(
  organizationId: OrgId,
  connectionId: string,
  feed: OrderFeed<E, R>
) {
  const cursors = yield* ChannelCursors
  const transactions = yield* Transactions
  let cursor = yield* cursors.get(organizationId, connectionId)
  const report = {
    fetched: 0,
    created: 0,
    cancelled: 0,
    fulfilled: 0,
    unchanged: 0,
    failed: [] as Array<{ externalOrderId: string; detail: string }>
  }
  yield* Stream.runForEach(feed(cursor), (page) =>
    Effect.gen(function* () {
      for (const order of page) {
        report.fetched++
        const outcome = yield* transactions
          .inOrganization(organizationId)(ingest(organizationId, connectionId, order))
          .pipe(
            Effect.catchIf(
              (e): e is ChannelOrderRejected => e instanceof ChannelOrderRejected,
              (e) => Effect.succeed({ failed: e.detail })
            )
          )
        if (typeof outcome === "object")
          report.failed.push({ externalOrderId: order.externalOrderId, detail: outcome.failed })
        else report[outcome]++
        if (Option.isNone(cursor) || DateTime.isGreaterThan(order.updatedAt, cursor.value))
          cursor = Option.some(order.updatedAt)
      }
      yield* cursors.advance(organizationId, connectionId, cursor, yield* DateTime.now)
    })
  )
  if (report.failed.length > 0) {
    yield* Effect.logWarning("channel orders not imported").pipe(
      Effect.annotateLogs({ connectionId, failed: report.failed.length })
    )
  }
  const result: SyncReport = {
    ...report,
    cursor: Option.match(cursor, { onNone: () => null, onSome: DateTime.formatIso })
  }
  return result
})

/** What reading a channel's orders can fail with. */
export type ChannelFeedError =
  | ProviderError
  | TokenUnavailable
  | TokenStillRejected
  | LockTimeout
  | DecryptionFailed
  | PersistenceError
  | ConnectionNotFound

/** A sales channel's capability in the provider catalogue: the order feed of one of its connections. */
export interface ChannelAdapter {
  readonly orders: (account: OpenedConnection) => OrderFeed<ChannelFeedError, ProviderServices>
}

/** Why a connection cannot be synced now. */
export class ChannelUnusable extends Schema.TaggedError<ChannelUnusable>()("ChannelUnusable", {
  reason: Schema.Literals(["needs_reauth", "disconnected", "not_a_channel"])
}) {}

const feedOf = (opened: OpenedConnection) =>
  Effect.gen(function* () {
    const channel = (yield* ProviderCatalogue)
      .find(opened.connection.provider)
      .pipe(Option.flatMapNullishOr((p) => p.channel))
    return Option.map(channel, (c) => c.orders(opened))
  })

/** A sync asked for by a member: the connection must be usable and a channel's. */
export const syncNow = Effect.fn("ChannelSync.syncNow")(function* (principal: Principal, id: ConnectionId) {
  const { connection, opened } = yield* Connections.open(principal.organizationId, id)
  if (connection.status === "needs_reauth") return yield* new ChannelUnusable({ reason: "needs_reauth" })
  if (connection.status === "disconnected" || Option.isNone(opened))
    return yield* new ChannelUnusable({ reason: "disconnected" })
  const feed = yield* feedOf(opened.value)
  if (Option.isNone(feed)) return yield* new ChannelUnusable({ reason: "not_a_channel" })
  return yield* syncOrders(connection.organizationId, connection.id, feed.value)
})

/** A sync the scheduler claimed: gone when the connection or its channel is. */
export const syncClaimed = Effect.fn("ChannelSync.syncClaimed")(function* (
  organizationId: OrgId,
  connectionId: ConnectionId
) {
  const found = yield* Connections.open(organizationId, connectionId).pipe(
    Effect.map(Option.some),
    Effect.catchTag("ConnectionNotFound", () => Effect.succeed(Option.none()))
  )
  if (Option.isNone(found) || Option.isNone(found.value.opened)) return Option.none<SyncReport>()
  const feed = yield* feedOf(found.value.opened.value)
  if (Option.isNone(feed)) return Option.none<SyncReport>()
  return Option.some(yield* syncOrders(organizationId, connectionId, feed.value))
})

/** The providers the scheduler polls: those registering an order feed. */
export const channelProviders = Effect.gen(function* () {
  return (yield* ProviderCatalogue).providers.filter((p) => p.channel !== undefined).map((p) => p.descriptor.id)
})
