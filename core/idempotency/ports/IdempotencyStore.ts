/**
 * Port: Idempotency-Key records (Stripe's semantics, IETF draft-ietf-httpapi-idempotency-key-header). Scoped per
 * organisation; the first completed response is kept for 24 hours.
 */
import { Context, type Duration, type Effect } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"

export interface StoredResponse {
  readonly status: number
  readonly body: unknown
}

export type Claim =
  | { readonly _tag: "New"; readonly holder: string }
  | { readonly _tag: "Replay"; readonly response: StoredResponse }
  | { readonly _tag: "InProgress" }
  | { readonly _tag: "Mismatch" }

export interface IdempotencyStoreShape {
  /**
   * Claims the key for this request (by hash of its payload). An in-progress claim older than `staleAfter` is taken
   * over (its holder died); a different payload under the same key is a Mismatch.
   */
  readonly claim: (
    organizationId: OrgId,
    key: string,
    operation: string,
    requestHash: string,
    options: { readonly ttl: Duration.Duration; readonly staleAfter: Duration.Duration }
  ) => Effect.Effect<Claim, PersistenceError>
  /**
   * Stores the response if `holder` still holds the claim (false otherwise: the claim was taken over); meant to
   * run inside the same transaction as the operation's own writes.
   */
  readonly complete: (
    organizationId: OrgId,
    key: string,
    holder: string,
    response: StoredResponse
  ) => Effect.Effect<boolean, PersistenceError>
  /** Gives the key back (the operation failed transiently and may be retried with the same key). */
  readonly release: (organizationId: OrgId, key: string, holder: string) => Effect.Effect<void, PersistenceError>
  /**
   * For operations with a point of no return (buying at a marketplace): the holder stores a provisional answer
   * with `complete` BEFORE the irreversible call, then replaces it with the real one. False when `holder` did not
   * complete this record.
   */
  readonly supersede: (
    organizationId: OrgId,
    key: string,
    holder: string,
    response: StoredResponse
  ) => Effect.Effect<boolean, PersistenceError>
  /** Drops a record the holder completed provisionally, when the irreversible call provably did not happen. */
  readonly abandon: (organizationId: OrgId, key: string, holder: string) => Effect.Effect<void, PersistenceError>
  /** Platform path (scheduler): deletes expired records. */
  readonly purgeExpired: Effect.Effect<number, PersistenceError>
}

export class IdempotencyStore extends Context.Service<IdempotencyStore, IdempotencyStoreShape>()(
  "tradeport/core/idempotency/ports/IdempotencyStore"
) {}
