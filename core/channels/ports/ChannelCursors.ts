/**
 * Port: how far each channel connection's orders have been read (the newest `updated_at` ingested) and when the
 * last sync ran. The cursor only moves forward, so overlapping syncs cannot rewind it.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"

export interface ChannelCursorsShape {
  readonly get: (organizationId: OrgId, connectionId: string) => Effect.Effect<Option.Option<DateTime.Utc>, PersistenceError>
  readonly advance: (organizationId: OrgId, connectionId: string, to: Option.Option<DateTime.Utc>, syncedAt: DateTime.Utc) => Effect.Effect<void, PersistenceError>
}

export class ChannelCursors extends Context.Service<ChannelCursors, ChannelCursorsShape>()(
  "tradeport/core/channels/ports/ChannelCursors"
) {}
