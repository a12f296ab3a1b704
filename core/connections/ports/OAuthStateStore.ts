/**
 * Port: pending OAuth authorisations, keyed by their `state`. A state is single-use: `consume` returns it at most
 * once, atomically, even to concurrent callers; it expires on its own (10 minutes).
 */
import { Context, type Duration, type Effect, type Option } from "effect"
import type { CacheError } from "../../shared/errors.ts"
import type { PendingAuthorization } from "../OAuthFlow.ts"

export interface OAuthStateStoreShape {
  readonly put: (
    state: string,
    pending: PendingAuthorization,
    ttl: Duration.Duration
  ) => Effect.Effect<void, CacheError>
  readonly consume: (state: string) => Effect.Effect<Option.Option<PendingAuthorization>, CacheError>
}

export class OAuthStateStore extends Context.Service<OAuthStateStore, OAuthStateStoreShape>()(
  "tradeport/core/connections/ports/OAuthStateStore"
) {}
