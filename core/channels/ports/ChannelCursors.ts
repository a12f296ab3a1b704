/**
 * Port: how far each channel connection's orders have been read (the newest `updated_at` ingested) and when the
 * last sync ran. The cursor only moves forward, so overlapping syncs cannot rewind it. The scheduler's polling
 * claims due connections under a lease. It also remembers channel orders cancelled before we ever held them.
 */
import { Context, type DateTime, type Duration, type Effect, type Option } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"

export interface ClaimedChannel {
  readonly organizationId: OrgId
  readonly connectionId: string
}

export interface ChannelCursorsShape {
  /**
   * Platform path (scheduler): claims up to `limit` connected channel connections not synced for `every`, each
   * leased to `owner` until `now + lease` (SKIP LOCKED: instances never claim the same connection).
   */
  readonly claimDue: (options: {
    readonly now: DateTime.Utc
    readonly owner: string
    readonly every: Duration.Duration
    readonly lease: Duration.Duration
    readonly limit: number
    /** The providers whose connections have an order feed (from the provider catalogue). */
    readonly providers: ReadonlyArray<string>
  }) => Effect.Effect<ReadonlyArray<ClaimedChannel>, PersistenceError>
  /** Remembers that the channel cancelled an order we never held (so a late creation of it is ignored). */
  readonly bury: (
    organizationId: OrgId,
    connectionId: string,
    externalOrderId: string
  ) => Effect.Effect<void, PersistenceError>
  readonly isBuried: (
    organizationId: OrgId,
    connectionId: string,
    externalOrderId: string
  ) => Effect.Effect<boolean, PersistenceError>
  /** Ends the owner's claim; the connection counts as synced at `at` (so a failing one waits a full interval). */
  readonly release: (connectionId: string, owner: string, at: DateTime.Utc) => Effect.Effect<void, PersistenceError>
  readonly get: (
    organizationId: OrgId,
    connectionId: string
  ) => Effect.Effect<Option.Option<DateTime.Utc>, PersistenceError>
  readonly advance: (
    organizationId: OrgId,
    connectionId: string,
    to: Option.Option<DateTime.Utc>,
    syncedAt: DateTime.Utc
  ) => Effect.Effect<void, PersistenceError>
}

export class ChannelCursors extends Context.Service<ChannelCursors, ChannelCursorsShape>()(
  "tradeport/core/channels/ports/ChannelCursors"
) {}
