/**
 * IdentityRepository on Postgres. Registration inserts organisation, user and owner membership in one
 * transaction; the unique index on users.email decides races between two sign-ups with the same address.
 */
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import { EmailTaken, Membership, Organization, User } from "../../core/identity/Identity.ts"
import { IdentityRepository, type IdentityRepositoryShape } from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { toPersistenceError } from "./Database.ts"

export const layer = Layer.effect(
  IdentityRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const registerOwner: IdentityRepositoryShape["registerOwner"] = Effect.fn("IdentityRepository.registerOwner")(
      function*(registration) {
        const organization = new Organization({ id: OrgId.make(randomUUID()), name: registration.organizationName })
        const user = new User({ id: UserId.make(randomUUID()), email: registration.email })
        const membership = new Membership({ organizationId: organization.id, userId: user.id, role: "owner" })
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`INSERT INTO organizations (id, name) VALUES (${organization.id}, ${organization.name})`
          yield* sql`INSERT INTO users (id, email, password_hash) VALUES (${user.id}, ${user.email}, ${registration.passwordHash})`
          yield* sql`INSERT INTO memberships (organization_id, user_id, role) VALUES (${organization.id}, ${user.id}, 'owner')`
        })).pipe(
          Effect.mapError((e) =>
            // Ids are fresh UUIDs: the only unique key a registration can collide on is the email.
            e.reason._tag === "UniqueViolation" ? new EmailTaken() : toPersistenceError("IdentityRepository.registerOwner")(e)
          )
        )
        return { organization, user, membership }
      }
    )

    return IdentityRepository.of({ registerOwner })
  })
)
