/**
 * Port: pending OAuth authorisations, keyed by their `state`. A state is single-use: `consume` returns it at most
 * once, atomically, even to concurrent callers; it expires on its own (10 minutes).
 */
import { Context, type Duration, type Effect, type Option } from "effect"
import type { CacheError } from "../../shared/errors.ts"
import type { PendingAuthorization } from "../OAuthFlow.ts"

export type ConsumeAttempt =
  | { readonly _tag: "Consumed"; readonly pending: PendingAuthorization }
  | { readonly _tag: "Refused"; readonly pending: PendingAuthorization }
  | { readonly _tag: "Missing" }

export interface OAuthStateStoreShape {
  readonly put: (
    state: string,
    pending: PendingAuthorization,
    ttl: Duration.Duration
  ) => Effect.Effect<void, CacheError>
  readonly consume: (state: string) => Effect.Effect<Option.Option<PendingAuthorization>, CacheError>
  /**
   * Consumes the state only if `accept` says the caller may (the starting browser's proof): a refused caller leaves
   * it in place for the rightful one. Atomic like `consume`: of two accepted callers, one gets it.
   */
  readonly consumeIf: (
    state: string,
    accept: (pending: PendingAuthorization) => boolean
  ) => Effect.Effect<ConsumeAttempt, CacheError>
}

export class OAuthStateStore extends Context.Service<OAuthStateStore, OAuthStateStoreShape>()(
  "tradeport/core/connections/ports/OAuthStateStore"
) {}
