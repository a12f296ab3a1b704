/**
 * Port: stored one-time account tokens (a selector, the SHA-256 of the verifier, purpose, subject, expiry, use).
 * A platform store: tokens are looked up before anyone is authenticated. The subject is an existing user (password
 * reset) or a pending sign-up — the organisation name, address and password hash of an account that does not exist
 * until the link is followed. Issuing a token retires the unused tokens of the same purpose for the same user or
 * address, so only the latest link works. Does not own token format or expiry rules (core/identity/AccountTokens.ts
 * decides those with its own clock).
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { UserId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type { TokenPurpose } from "../AccountTokens.ts"
import type { Email, OrganizationName } from "../Identity.ts"

export interface PendingSignUp {
  readonly email: Email
  readonly organizationName: OrganizationName
  readonly passwordHash: string
}

export type TokenSubject =
  | { readonly _tag: "User"; readonly userId: UserId }
  | { readonly _tag: "SignUp"; readonly signUp: PendingSignUp }

export interface StoredAccountToken {
  readonly selector: string
  readonly subject: TokenSubject
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
  /** The newest unused sign-up for the address, expired or not (a resend repeats it with a fresh link). */
  readonly pendingSignUp: (email: Email) => Effect.Effect<Option.Option<PendingSignUp>, PersistenceError>
}

export class AccountTokenRepository extends Context.Service<AccountTokenRepository, AccountTokenRepositoryShape>()(
  "tradeport/core/identity/ports/AccountTokenRepository"
) {}
