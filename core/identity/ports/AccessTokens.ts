/**
 * Port: short-lived signed access tokens. `issue` encodes a Principal; `verify` checks signature, algorithm,
 * issuer, audience, expiry and not-before and gives the Principal back, or InvalidAccessToken (never why: that is
 * for logs).
 */
import { Context, type Duration, type Effect, type Redacted, Schema } from "effect"
import type { Principal } from "../Principal.ts"

export class InvalidAccessToken extends Schema.TaggedError<InvalidAccessToken>()("InvalidAccessToken", {
  /** `revoked` and `not_a_member` are decided after verification, by the authenticate use case. */
  reason: Schema.Literals([
    "malformed",
    "algorithm",
    "signature",
    "expired",
    "not_before",
    "claims",
    "revoked",
    "not_a_member"
  ])
}) {}

export interface AccessTokensShape {
  readonly issue: (
    principal: Principal
  ) => Effect.Effect<{ readonly token: Redacted.Redacted<string>; readonly expiresIn: Duration.Duration }>
  readonly verify: (token: Redacted.Redacted<string>) => Effect.Effect<Principal, InvalidAccessToken>
  /** How long an issued token is valid: what a revocation must outlast. */
  readonly lifetime: Duration.Duration
}

export class AccessTokens extends Context.Service<AccessTokens, AccessTokensShape>()(
  "tradeport/core/identity/ports/AccessTokens"
) {}
