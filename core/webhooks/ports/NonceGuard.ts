/** Port: single-use nonces within the signature window (Redis SET NX EX, or in-process memory). */
import { Context, type Duration, type Effect } from "effect"
import type { CacheError } from "../../shared/errors.ts"

export class NonceGuard extends Context.Service<
  NonceGuard,
  {
    /** True the first time a nonce is presented within `ttl`. */
    readonly claim: (scope: string, nonce: string, ttl: Duration.Duration) => Effect.Effect<boolean, CacheError>
    /** Gives a nonce back when its delivery could not be processed (the sender will retry with it). */
    readonly release: (scope: string, nonce: string) => Effect.Effect<void, CacheError>
  }
>()("tradeport/core/webhooks/ports/NonceGuard") {}
