/**
 * IdentityRepository on Postgres. Organisation-scoped methods run under `inOrganization`, so row-level security
 * restricts them to that tenant whatever the SQL says. Users are a platform table (one person may belong to
 * several organisations); memberships and organisations are tenant tables.
 */
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import {
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
} from "../../core/identity/Identity.ts"
import {
  IdentityRepository,
  type IdentityRepositoryShape,
  type NewMember
} from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { theRow, toPersistenceError } from "./Database.ts"
import { asUser, inOrganization } from "./Tenancy.ts"

const MemberRow = Schema.Struct({ user_id: UserId, email: Email, role: Role, created_at: Schema.Date })
const toMember = (row: typeof MemberRow.Type) =>
  new MemberView({
    userId: row.user_id,
    email: row.email,
    role: row.role,
    joinedAt: DateTime.formatIso(DateTime.fromDateUnsafe(row.created_at))
  })
const decodeMembers = Schema.decodeUnknownEffect(Schema.Array(MemberRow))
const decodeMemberships = Schema.decodeUnknownEffect(
  Schema.Array(Schema.Struct({ organization_id: OrgId, user_id: UserId, role: Role }))
)
const decodeCredentials = Schema.decodeUnknownEffect(
  Schema.Array(Schema.Struct({ id: UserId, email: Email, password_hash: Schema.String, verified: Schema.Boolean }))
)
const toCredentials = (rows: ReadonlyArray<{ id: UserId; email: Email; password_hash: string; verified: boolean }>) =>
  Option.fromNullishOr(rows[0]).pipe(
    Option.map((r) => ({
      user: new User({ id: r.id, email: r.email }),
      passwordHash: r.password_hash,
      verified: r.verified
    }))
  )
const decodeIds = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ id: UserId })))
const decodeOrganizations = Schema.decodeUnknownEffect(
  Schema.Array(Schema.Struct({ id: OrgId, name: OrganizationName }))
)

export const layer = Layer.effect(
  IdentityRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const failed = (operation: string) => Effect.mapError(toPersistenceError(`IdentityRepository.${operation}`))

    const memberQuery = (organizationId: OrgId) => sql`
      SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organization_id = ${organizationId}`

    const registerOwner: IdentityRepositoryShape["registerOwner"] = Effect.fn("IdentityRepository.registerOwner")(
      function* (registration) {
        const organization = new Organization({ id: registration.organizationId, name: registration.organizationName })
        const user = new User({ id: registration.userId, email: registration.email })
        const membership = new Membership({ organizationId: organization.id, userId: user.id, role: "owner" })
        yield* inOrganization(
          sql,
          organization.id
        )(
          Effect.gen(function* () {
            yield* sql`INSERT INTO organizations (id, name) VALUES (${organization.id}, ${organization.name})`
            yield* sql`
              INSERT INTO users (id, email, password_hash, email_verified_at)
              VALUES (${user.id}, ${user.email}, ${registration.passwordHash}, now())`
            yield* sql`INSERT INTO memberships (organization_id, user_id, role) VALUES (${organization.id}, ${user.id}, 'owner')`
          })
        ).pipe(
          Effect.mapError((e) =>
            // Ids are fresh UUIDs: the only unique key a registration can collide on is the email.
            e.reason._tag === "UniqueViolation"
              ? new EmailTaken()
              : toPersistenceError("IdentityRepository.registerOwner")(e)
          )
        )
        return { organization, user, membership }
      }
    )

    const credentials = sql`SELECT id, email, password_hash, email_verified_at IS NOT NULL AS verified FROM users`

    const findCredentials: IdentityRepositoryShape["findCredentials"] = (email) =>
      sql`${credentials} WHERE email = ${email}`.pipe(
        failed("findCredentials"),
        Effect.flatMap((rows) => Effect.orDie(decodeCredentials(rows))),
        Effect.map(toCredentials),
        Effect.withSpan("IdentityRepository.findCredentials")
      )

    const credentialsOf: IdentityRepositoryShape["credentialsOf"] = (userId) =>
      sql`${credentials} WHERE id = ${userId}`.pipe(
        failed("credentialsOf"),
        Effect.flatMap((rows) => Effect.orDie(decodeCredentials(rows))),
        Effect.map(toCredentials),
        Effect.withSpan("IdentityRepository.credentialsOf")
      )

    const setPassword: IdentityRepositoryShape["setPassword"] = (userId, passwordHash) =>
      // The clock when the row is written (under the caller's lock), not the transaction's start: sessions begun
      // before it may not rotate (PgSessionRepository compares their family_started_at with it).
      sql`UPDATE users SET password_hash = ${passwordHash}, password_changed_at = clock_timestamp() WHERE id = ${userId}`.pipe(
        Effect.asVoid,
        failed("setPassword"),
        Effect.withSpan("IdentityRepository.setPassword")
      )

    const markEmailVerified: IdentityRepositoryShape["markEmailVerified"] = (userId) =>
      sql`UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = ${userId}`.pipe(
        Effect.asVoid,
        failed("markEmailVerified"),
        Effect.withSpan("IdentityRepository.markEmailVerified")
      )

    /**
     * The user a new member's email names: a fresh verified account, or an account left in no organisation (a removed
     * member), taken over with the new password and its old sessions revoked. Any membership anywhere is EmailTaken:
     * the account's own memberships are read as that user (its own-read policy), across organisations.
     */
    const accountForNewMember = (added: NewMember) =>
      Effect.gen(function* () {
        const userId = UserId.make(randomUUID())
        const inserted = yield* sql`
          INSERT INTO users (id, email, password_hash, email_verified_at) VALUES (${userId}, ${added.email}, ${added.passwordHash}, now())
          ON CONFLICT (email) DO NOTHING RETURNING id`
        if (inserted.length === 1) return userId
        const [existing] = yield* sql`SELECT id FROM users WHERE email = ${added.email} FOR UPDATE`.pipe(
          Effect.flatMap((rows) => Effect.orDie(decodeIds(rows)))
        )
        if (existing === undefined) return yield* new EmailTaken()
        const memberships = yield* asUser(
          sql,
          existing.id
        )(sql`SELECT 1 FROM memberships WHERE user_id = ${existing.id} LIMIT 1`)
        if (memberships.length > 0) return yield* new EmailTaken()
        yield* sql`
          UPDATE users SET password_hash = ${added.passwordHash}, password_changed_at = clock_timestamp(),
                           email_verified_at = coalesce(email_verified_at, now())
          WHERE id = ${existing.id}`
        yield* sql`UPDATE refresh_tokens SET status = 'revoked' WHERE user_id = ${existing.id} AND status <> 'revoked'`
        return existing.id
      })

    const membershipsOf: IdentityRepositoryShape["membershipsOf"] = (userId) =>
      asUser(
        sql,
        userId
      )(sql`
        SELECT organization_id, user_id, role FROM memberships WHERE user_id = ${userId} ORDER BY created_at, organization_id`).pipe(
        failed("membershipsOf"),
        Effect.flatMap((rows) => Effect.orDie(decodeMemberships(rows))),
        Effect.map((rows) =>
          rows.map((r) => new Membership({ organizationId: r.organization_id, userId: r.user_id, role: r.role }))
        ),
        Effect.withSpan("IdentityRepository.membershipsOf")
      )

    const organization: IdentityRepositoryShape["organization"] = (organizationId) =>
      inOrganization(
        sql,
        organizationId
      )(sql`SELECT id, name FROM organizations WHERE id = ${organizationId}`).pipe(
        failed("organization"),
        Effect.flatMap((rows) => Effect.orDie(decodeOrganizations(rows))),
        Effect.map((rows) => Option.fromNullishOr(rows[0]).pipe(Option.map((r) => new Organization(r)))),
        Effect.withSpan("IdentityRepository.organization")
      )

    const member: IdentityRepositoryShape["member"] = (organizationId, userId) =>
      // Every authenticated request calls this: one statement (migration 0016), no transaction of its own.
      sql`SELECT user_id, email, role, created_at FROM org_member(${organizationId}::uuid, ${userId}::uuid)`.pipe(
        failed("member"),
        Effect.flatMap((rows) => Effect.orDie(decodeMembers(rows))),
        Effect.map((rows) => Option.fromNullishOr(rows[0]).pipe(Option.map(toMember))),
        Effect.withSpan("IdentityRepository.member")
      )

    const listMembers: IdentityRepositoryShape["listMembers"] = (organizationId) =>
      inOrganization(
        sql,
        organizationId
      )(sql`${memberQuery(organizationId)} ORDER BY m.created_at, m.user_id`).pipe(
        failed("listMembers"),
        Effect.flatMap((rows) => Effect.orDie(decodeMembers(rows))),
        Effect.map((rows) => rows.map(toMember)),
        Effect.withSpan("IdentityRepository.listMembers")
      )

    const addMember: IdentityRepositoryShape["addMember"] = Effect.fn("IdentityRepository.addMember")(
      function* (organizationId, added) {
        const rows = yield* inOrganization(
          sql,
          organizationId
        )(
          Effect.gen(function* () {
            const userId = yield* accountForNewMember(added)
            yield* sql`INSERT INTO memberships (organization_id, user_id, role) VALUES (${organizationId}, ${userId}, ${added.role})`
            return yield* sql`${memberQuery(organizationId)} AND m.user_id = ${userId}`
          })
        ).pipe(
          Effect.mapError((e) =>
            e._tag === "EmailTaken" || e.reason._tag === "UniqueViolation"
              ? new EmailTaken()
              : toPersistenceError("IdentityRepository.addMember")(e)
          )
        )
        const created = yield* Effect.orDie(decodeMembers(rows)).pipe(
          Effect.flatMap(theRow("IdentityRepository.addMember: re-read of the member inserted"))
        )
        return toMember(created)
      }
    )

    /** Locks the organisation's owner rows so two concurrent demotions cannot both pass the last-owner check. */
    const ensureAnotherOwner = (organizationId: OrgId, userId: UserId) =>
      sql<{ user_id: string }>`
        SELECT user_id FROM memberships WHERE organization_id = ${organizationId} AND role = 'owner' FOR UPDATE`.pipe(
        Effect.flatMap((owners) =>
          owners.some((o) => o.user_id !== userId) ? Effect.void : Effect.fail(new LastOwner())
        )
      )

    /** A guarded write touched nothing: the member left (404) or their role moved under us (409). */
    const memberGoneOrChanged = (organizationId: OrgId, userId: UserId) =>
      sql`SELECT 1 FROM memberships WHERE organization_id = ${organizationId} AND user_id = ${userId}`.pipe(
        Effect.flatMap((rows) => Effect.fail(rows.length > 0 ? new MemberChanged() : new MemberNotFound()))
      )

    const changeRole: IdentityRepositoryShape["changeRole"] = Effect.fn("IdentityRepository.changeRole")(
      function* (organizationId, userId, from, to) {
        const rows = yield* inOrganization(
          sql,
          organizationId
        )(
          Effect.gen(function* () {
            if (from === "owner" && to !== "owner") yield* ensureAnotherOwner(organizationId, userId)
            const updated = yield* sql`
            UPDATE memberships SET role = ${to} WHERE organization_id = ${organizationId} AND user_id = ${userId} AND role = ${from}
            RETURNING user_id`
            if (updated.length === 0) return yield* memberGoneOrChanged(organizationId, userId)
            return yield* sql`${memberQuery(organizationId)} AND m.user_id = ${userId}`
          })
        ).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(toPersistenceError("IdentityRepository.changeRole")(e))))
        const changed = yield* Effect.orDie(decodeMembers(rows)).pipe(
          Effect.flatMap(theRow("IdentityRepository.changeRole: re-read of the member updated"))
        )
        return toMember(changed)
      }
    )

    const removeMember: IdentityRepositoryShape["removeMember"] = Effect.fn("IdentityRepository.removeMember")(
      function* (organizationId, userId, expectedRole) {
        yield* inOrganization(
          sql,
          organizationId
        )(
          Effect.gen(function* () {
            if (expectedRole === "owner") yield* ensureAnotherOwner(organizationId, userId)
            const deleted = yield* sql`
            DELETE FROM memberships WHERE organization_id = ${organizationId} AND user_id = ${userId} AND role = ${expectedRole}
            RETURNING user_id`
            if (deleted.length === 0) return yield* memberGoneOrChanged(organizationId, userId)
          })
        ).pipe(
          Effect.catchTag("SqlError", (e) => Effect.fail(toPersistenceError("IdentityRepository.removeMember")(e)))
        )
      }
    )

    return IdentityRepository.of({
      registerOwner,
      findCredentials,
      credentialsOf,
      setPassword,
      markEmailVerified,
      membershipsOf,
      organization,
      member,
      listMembers,
      addMember,
      changeRole,
      removeMember
    })
  })
)
