/** Port: single-use nonces within the signature window (Redis SET NX EX, or in-process memory). */
import { Context, type Duration, type Effect } from "effect"
import type { CacheError } from "../../shared/errors.ts"

export class NonceGuard extends Context.Service<NonceGuard, {
  /** True the first time a nonce is presented within `ttl`. */
  readonly claim: (provider: string, nonce: string, ttl: Duration.Duration) => Effect.Effect<boolean, CacheError>
}>()("tradeport/core/webhooks/ports/NonceGuard") {}
