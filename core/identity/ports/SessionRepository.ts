/**
 * Port: refresh-token sessions. Only SHA-256 hashes of refresh tokens are stored. A login opens a family; `rotate`
 * atomically retires the presented token and stores its successor — or, when the presented token was already
 * used, revokes the whole family (reuse detection) and says so.
 *
 * A password change ends the sessions begun under the old password, and no race brings one back: `open` refuses
 * when the password is no longer the one the login verified, and a family begun before the account's password
 * last changed never rotates again. Adapters serialise both against a password change (Transactions.forAccount).
 */
import { Context, type DateTime, type Effect } from "effect"
import type { OrgId, UserId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type { SessionId } from "../Principal.ts"

export interface SessionOwner {
  readonly familyId: SessionId
  readonly userId: UserId
  readonly organizationId: OrgId
}

export interface IssuedToken {
  readonly tokenHash: Uint8Array
  readonly expiresAt: DateTime.Utc
}

export type RotateOutcome =
  | ({ readonly _tag: "Rotated" } & SessionOwner)
  | ({ readonly _tag: "Reused" } & SessionOwner)
  | { readonly _tag: "Invalid" }

export interface SessionRepositoryShape {
  /**
   * Opens a family, unless the account's password hash is no longer `verified.passwordHash` (changed since the login
   * checked it): false then, and nothing stays open.
   */
  readonly open: (
    owner: SessionOwner,
    first: IssuedToken,
    verified: { readonly passwordHash: string }
  ) => Effect.Effect<boolean, PersistenceError>
  /** Invalid (and the family revoked) when the family began before the account's password last changed. */
  readonly rotate: (presentedHash: Uint8Array, next: IssuedToken) => Effect.Effect<RotateOutcome, PersistenceError>
  /**
   * Revokes every live session of the user (in one organisation, when given), except `keep`; returns the families
   * revoked, so their access tokens can be denied too. Password change and reset, member removal. The kept family
   * carries on under the account's current password (called after a change, it survives the change).
   */
  readonly revokeAllOf: (
    userId: UserId,
    options?: { readonly organizationId?: OrgId | undefined; readonly keep?: SessionId | undefined }
  ) => Effect.Effect<ReadonlyArray<SessionId>, PersistenceError>
  /** Revokes the family the token belongs to (logout); returns its owner if the token was known. */
  readonly revokeFamilyOf: (presentedHash: Uint8Array) => Effect.Effect<SessionOwner | undefined, PersistenceError>
}

export class SessionRepository extends Context.Service<SessionRepository, SessionRepositoryShape>()(
  "tradeport/core/identity/ports/SessionRepository"
) {}
