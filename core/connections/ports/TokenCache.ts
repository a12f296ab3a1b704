/**
 * Port: the shared cache of access tokens, keyed `{provider}:token:{env}:{connection}` (G2A's app-level token:
 * `g2a:token:{env}`), entries living as long as the token minus the refresh margin. The TokenManager keeps an
 * in-process layer in front of it.
 */
import { Context, type DateTime, type Duration, type Effect, type Option, type Redacted } from "effect"
import type { CacheError } from "../../shared/errors.ts"

export interface CachedToken {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: DateTime.Utc
}

export interface TokenCacheShape {
  readonly get: (key: string) => Effect.Effect<Option.Option<CachedToken>, CacheError>
  readonly set: (key: string, token: CachedToken, ttl: Duration.Duration) => Effect.Effect<void, CacheError>
  readonly delete: (key: string) => Effect.Effect<void, CacheError>
}

export class TokenCache extends Context.Service<TokenCache, TokenCacheShape>()(
  "tradeport/core/connections/ports/TokenCache"
) {}
