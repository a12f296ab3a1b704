/**
 * Port: organisations, users and memberships. Every organisation-scoped method takes the OrgId it acts in; the
 * Postgres adapter runs it under that organisation's row-level-security context, so a missing WHERE clause can
 * never leak another tenant's rows.
 */
import { Context, type Effect, type Option } from "effect"
import type { OrgId, UserId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type {
  Email,
  EmailTaken,
  LastOwner,
  MemberChanged,
  MemberNotFound,
  Membership,
  MemberView,
  Organization,
  OrganizationName,
  Role,
  User
} from "../Identity.ts"

export interface Credentials {
  readonly user: User
  readonly passwordHash: string
  /** The address was confirmed (a verification or reset link was followed, or an admin added the member). */
  readonly verified: boolean
}

/** A registration creates a confirmed owner: it runs only once the sign-up's emailed link was followed. */
export interface OwnerRegistration {
  readonly organizationId: OrgId
  readonly userId: UserId
  readonly organizationName: OrganizationName
  readonly email: Email
  readonly passwordHash: string
}

export interface NewMember {
  readonly email: Email
  readonly passwordHash: string
  readonly role: Role
}

export interface IdentityRepositoryShape {
  readonly registerOwner: (
    registration: OwnerRegistration
  ) => Effect.Effect<
    { readonly organization: Organization; readonly user: User; readonly membership: Membership },
    EmailTaken | PersistenceError
  >
  /** Platform path (login, registration, reset): the user, password hash and verification for an email. */
  readonly findCredentials: (email: Email) => Effect.Effect<Option.Option<Credentials>, PersistenceError>
  /** Platform path (password change): the same for a user id. */
  readonly credentialsOf: (userId: UserId) => Effect.Effect<Option.Option<Credentials>, PersistenceError>
  /** Platform path: replaces the user's password hash. */
  readonly setPassword: (userId: UserId, passwordHash: string) => Effect.Effect<void, PersistenceError>
  /** Platform path: the user proved they read mail at their address (kept if it was already set). */
  readonly markEmailVerified: (userId: UserId) => Effect.Effect<void, PersistenceError>
  /** The user's own memberships, oldest first (visible to that user only). */
  readonly membershipsOf: (userId: UserId) => Effect.Effect<ReadonlyArray<Membership>, PersistenceError>
  readonly organization: (organizationId: OrgId) => Effect.Effect<Option.Option<Organization>, PersistenceError>
  readonly member: (organizationId: OrgId, userId: UserId) => Effect.Effect<Option.Option<MemberView>, PersistenceError>
  readonly listMembers: (organizationId: OrgId) => Effect.Effect<ReadonlyArray<MemberView>, PersistenceError>
  /**
   * Creates a new user directly in the organisation, verified (the admin vouches for the address). An email whose
   * account belongs to no organisation any more (a removed member) is taken over: its password and sessions are
   * replaced. An email with a membership anywhere is EmailTaken.
   */
  readonly addMember: (
    organizationId: OrgId,
    member: NewMember
  ) => Effect.Effect<MemberView, EmailTaken | PersistenceError>
  /** Changes a role if it is still `from` (else MemberChanged); demoting the last owner fails with LastOwner. */
  readonly changeRole: (
    organizationId: OrgId,
    userId: UserId,
    from: Role,
    to: Role
  ) => Effect.Effect<MemberView, MemberNotFound | MemberChanged | LastOwner | PersistenceError>
  /** Removes a member whose role is still `expectedRole` (else MemberChanged); never the last owner. */
  readonly removeMember: (
    organizationId: OrgId,
    userId: UserId,
    expectedRole: Role
  ) => Effect.Effect<void, MemberNotFound | MemberChanged | LastOwner | PersistenceError>
}

export class IdentityRepository extends Context.Service<IdentityRepository, IdentityRepositoryShape>()(
  "tradeport/core/identity/ports/IdentityRepository"
) {}
