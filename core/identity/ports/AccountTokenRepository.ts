/**
 * Port: stored one-time account tokens (a selector, the SHA-256 of the verifier, purpose, owner, expiry, use).
 * A platform store: tokens are looked up before anyone is authenticated. Issuing a token retires the owner's
 * unused tokens of the same purpose, so only the latest link works. Does not own token format or expiry rules
 * (core/identity/AccountTokens.ts decides those with its own clock).
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { UserId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type { TokenPurpose } from "../AccountTokens.ts"

export interface StoredAccountToken {
  readonly selector: string
  readonly userId: UserId
  readonly purpose: TokenPurpose
  readonly verifierHash: Uint8Array
  readonly expiresAt: DateTime.Utc
  readonly used: boolean
}

export interface AccountTokenRepositoryShape {
  readonly issue: (token: Omit<StoredAccountToken, "used">) => Effect.Effect<void, PersistenceError>
  readonly find: (selector: string) => Effect.Effect<Option.Option<StoredAccountToken>, PersistenceError>
  /** Marks the token used if it was not: true for exactly one caller, however many race. */
  readonly markUsed: (selector: string) => Effect.Effect<boolean, PersistenceError>
}

export class AccountTokenRepository extends Context.Service<AccountTokenRepository, AccountTokenRepositoryShape>()(
  "tradeport/core/identity/ports/AccountTokenRepository"
) {}
