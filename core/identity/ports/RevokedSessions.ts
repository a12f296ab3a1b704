/**
 * Port: a short-lived denylist of session ids whose access tokens must stop working at once — the session family
 * was revoked for refresh-token reuse, or logged out. An entry needs to live only as long as an access token can
 * (the caller passes that lifetime): after it, every token of the session has expired anyway.
 * Does not own: refresh tokens (SessionRepository revokes those durably) or token verification (AccessTokens).
 */
import { Context, type Duration, type Effect } from "effect"
import type { CacheError } from "../../shared/errors.ts"
import type { SessionId } from "../Principal.ts"

export interface RevokedSessionsShape {
  /** Denies the session's access tokens for `ttl` (revoking again extends, never shortens, the entry). */
  readonly revoke: (sessionId: SessionId, ttl: Duration.Duration) => Effect.Effect<void, CacheError>
  readonly isRevoked: (sessionId: SessionId) => Effect.Effect<boolean, CacheError>
}

export class RevokedSessions extends Context.Service<RevokedSessions, RevokedSessionsShape>()(
  "tradeport/core/identity/ports/RevokedSessions"
) {}
