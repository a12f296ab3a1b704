/**
 * Port: the refresh runner's work queue over connections (platform path: it spans organisations). `claimDue`
 * leases due connections to one scheduler instance (SKIP LOCKED: instances never get the same one; a lease that
 * expires returns the connection to the pool, so a crashed instance's work is picked up).
 */
import { Context, type DateTime, type Duration, type Effect } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type { ConnectionId, ProviderId } from "../Connection.ts"

export interface DueConnection {
  readonly organizationId: OrgId
  readonly connectionId: ConnectionId
  readonly provider: ProviderId
  /** The token is fresh but has not been refreshed for the maximum age (24 h): refresh anyway. */
  readonly forced: boolean
  /** How late the refresh is against its due time, for the lag metric. */
  readonly lagSeconds: number
}

export interface ClaimOptions {
  readonly now: DateTime.Utc
  readonly owner: string
  readonly lease: Duration.Duration
  readonly margin: Duration.Duration
  readonly maxAge: Duration.Duration
  readonly providers: ReadonlyArray<ProviderId>
  readonly limit: number
}

export class RefreshQueue extends Context.Service<
  RefreshQueue,
  {
    readonly claimDue: (options: ClaimOptions) => Effect.Effect<ReadonlyArray<DueConnection>, PersistenceError>
    /** Ends the lease: on success the failure count resets; on a transient failure the next attempt waits. */
    readonly settle: (
      connectionId: ConnectionId,
      owner: string,
      outcome:
        | { readonly _tag: "Refreshed" }
        | { readonly _tag: "RetryAt"; readonly at: DateTime.Utc }
        | { readonly _tag: "Done" }
    ) => Effect.Effect<void, PersistenceError>
    readonly failures: (connectionId: ConnectionId) => Effect.Effect<number, PersistenceError>
  }
>()("tradeport/core/connections/ports/RefreshQueue") {}
