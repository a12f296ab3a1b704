/**
 * Port: persistence of organisations, users and memberships. `registerOwner` creates all three atomically or
 * nothing (an email already registered fails with EmailTaken and writes nothing).
 */
import { Context, type Effect } from "effect"
import type { PersistenceError } from "../../shared/errors.ts"
import type { Email, EmailTaken, Membership, Organization, OrganizationName, User } from "../Identity.ts"

export interface OwnerRegistration {
  readonly organizationName: OrganizationName
  readonly email: Email
  readonly passwordHash: string
}

export interface IdentityRepositoryShape {
  readonly registerOwner: (
    registration: OwnerRegistration
  ) => Effect.Effect<{ readonly organization: Organization; readonly user: User; readonly membership: Membership }, EmailTaken | PersistenceError>
}

export class IdentityRepository extends Context.Service<IdentityRepository, IdentityRepositoryShape>()(
  "tradeport/core/identity/ports/IdentityRepository"
) {}
