/**
 * Port: refresh-token sessions. Only SHA-256 hashes of refresh tokens are stored. A login opens a family; `rotate`
 * atomically retires the presented token and stores its successor — or, when the presented token was already
 * used, revokes the whole family (reuse detection) and says so.
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
  readonly open: (owner: SessionOwner, first: IssuedToken) => Effect.Effect<void, PersistenceError>
  readonly rotate: (presentedHash: Uint8Array, next: IssuedToken) => Effect.Effect<RotateOutcome, PersistenceError>
  /**
   * Revokes every live session of the user (in one organisation, when given), except `keep`; returns the families
   * revoked, so their access tokens can be denied too. Password change and reset, member removal.
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
