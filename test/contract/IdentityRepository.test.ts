/**
 * The IdentityRepository contract on both adapters (memory, Postgres): registration creates organisation, owner
 * and membership at once; emails are unique across organisations; members are listed oldest first and only in
 * their own organisation; role changes and removals are guarded by the role the caller saw; an organisation always
 * keeps an owner, also when two owners are demoted concurrently.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { randomUUID } from "node:crypto"
import * as MemoryIdentityRepository from "../../adapters/memory/MemoryIdentityRepository.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"
import { Email, Membership, OrganizationName, type Role } from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import * as TestDatabase from "../support/TestDatabase.ts"

const email = () => Email.make(`${randomUUID()}@example.com`)

const registration = (name = "Acme") => ({
  organizationId: OrgId.make(randomUUID()),
  userId: UserId.make(randomUUID()),
  organizationName: OrganizationName.make(name),
  email: email(),
  passwordHash: `hash-${randomUUID()}`
})

/** A registered organisation: its id and its owner's id. */
const organization = Effect.gen(function* () {
  const identity = yield* IdentityRepository
  const { organization, user } = yield* identity.registerOwner(registration())
  return { org: organization.id, owner: user.id }
})

/** Adds a member with a fresh email. */
const add = (org: OrgId, role: Role) =>
  Effect.gen(function* () {
    const identity = yield* IdentityRepository
    return yield* identity.addMember(org, { email: email(), passwordHash: "h", role })
  })

/** The tag of the error `effect` fails with (a success fails the test). */
const failure = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flip(effect).pipe(Effect.map((e) => e._tag))

/** `listMembers` as [userId, role] pairs, in the order listed. */
const roles = (org: OrgId) =>
  Effect.gen(function* () {
    const identity = yield* IdentityRepository
    return (yield* identity.listMembers(org)).map((m): readonly [UserId, Role] => [m.userId, m.role])
  })

const owners = (org: OrgId) => roles(org).pipe(Effect.map((all) => all.filter(([, role]) => role === "owner").length))

const contract = (name: string, repository: Layer.Layer<IdentityRepository>) =>
  layer(repository, { excludeTestServices: true })(`IdentityRepository contract: ${name}`, (it) => {
    it.effect("registerOwner creates the organisation, the user and an owner membership, all readable back", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        const r = registration("Acme Trading")
        const registered = yield* identity.registerOwner(r)
        assert.deepStrictEqual(
          [registered.organization.id, registered.organization.name, registered.user.id, registered.user.email],
          [r.organizationId, r.organizationName, r.userId, r.email]
        )
        const membership = new Membership({ organizationId: r.organizationId, userId: r.userId, role: "owner" })
        assert.deepStrictEqual(registered.membership, membership)
        const org = Option.getOrThrow(yield* identity.organization(r.organizationId))
        assert.deepStrictEqual([org.id, org.name], [r.organizationId, r.organizationName])
        const credentials = Option.getOrThrow(yield* identity.findCredentials(r.email))
        assert.deepStrictEqual(
          [credentials.user.id, credentials.user.email, credentials.passwordHash],
          [r.userId, r.email, r.passwordHash]
        )
        assert.deepStrictEqual(yield* identity.membershipsOf(r.userId), [membership])
        const owner = Option.getOrThrow(yield* identity.member(r.organizationId, r.userId))
        assert.deepStrictEqual([owner.userId, owner.email, owner.role], [r.userId, r.email, "owner"])
        assert.isFalse(Number.isNaN(Date.parse(owner.joinedAt)), owner.joinedAt)
      })
    )

    it.effect("unknown organisations, emails and users read as nothing", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        const { org } = yield* organization
        assert.isTrue(Option.isNone(yield* identity.organization(OrgId.make(randomUUID()))))
        assert.isTrue(Option.isNone(yield* identity.findCredentials(email())))
        assert.deepStrictEqual(yield* identity.membershipsOf(UserId.make(randomUUID())), [])
        assert.isTrue(Option.isNone(yield* identity.member(org, UserId.make(randomUUID()))))
        assert.deepStrictEqual(yield* identity.listMembers(OrgId.make(randomUUID())), [])
      })
    )

    it.effect("an email is taken across organisations, and a refused registration leaves nothing behind", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        const first = registration()
        yield* identity.registerOwner(first)
        const again = { ...registration(), email: first.email }
        assert.strictEqual(yield* failure(identity.registerOwner(again)), "EmailTaken")
        assert.isTrue(Option.isNone(yield* identity.organization(again.organizationId)), "no organisation")
        assert.deepStrictEqual(yield* identity.membershipsOf(again.userId), [])
        const { org } = yield* organization
        const added = { email: first.email, passwordHash: "h", role: "member" as const }
        assert.strictEqual(yield* failure(identity.addMember(org, added)), "EmailTaken")
        const kept = Option.getOrThrow(yield* identity.findCredentials(first.email))
        assert.strictEqual(kept.passwordHash, first.passwordHash, "the first user is untouched")
        assert.strictEqual((yield* identity.listMembers(org)).length, 1, "nobody was added")
      })
    )

    it.effect("members are added with their role and listed oldest first, only in their own organisation", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        const a = yield* organization
        const b = yield* organization
        const newcomer = { email: email(), passwordHash: "hash-admin", role: "admin" as const }
        const admin = yield* identity.addMember(a.org, newcomer)
        assert.deepStrictEqual([admin.email, admin.role], [newcomer.email, "admin"])
        const member = yield* add(a.org, "member")
        const listed = yield* roles(a.org)
        assert.deepStrictEqual(listed, [
          [a.owner, "owner"],
          [admin.userId, "admin"],
          [member.userId, "member"]
        ])
        assert.deepStrictEqual(yield* roles(b.org), [[b.owner, "owner"]])
        const credentials = Option.getOrThrow(yield* identity.findCredentials(newcomer.email))
        assert.strictEqual(credentials.passwordHash, "hash-admin")
        assert.deepStrictEqual(yield* identity.membershipsOf(admin.userId), [
          new Membership({ organizationId: a.org, userId: admin.userId, role: "admin" })
        ])
        assert.deepStrictEqual(Option.getOrThrow(yield* identity.member(a.org, admin.userId)), admin)
        assert.isTrue(Option.isNone(yield* identity.member(b.org, admin.userId)), "not a member elsewhere")
        assert.isTrue(Option.isNone(yield* identity.member(a.org, b.owner)))
      })
    )

    it.effect("changeRole applies only while the role is still the one the caller saw, in its organisation", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        const a = yield* organization
        const b = yield* organization
        const x = yield* add(a.org, "admin")
        const changed = yield* identity.changeRole(a.org, x.userId, "admin", "member")
        assert.deepStrictEqual([changed.userId, changed.email, changed.role], [x.userId, x.email, "member"])
        assert.strictEqual(Option.getOrThrow(yield* identity.member(a.org, x.userId)).role, "member")
        assert.strictEqual(yield* failure(identity.changeRole(a.org, x.userId, "admin", "owner")), "MemberChanged")
        const after = Option.getOrThrow(yield* identity.member(a.org, x.userId))
        assert.strictEqual(after.role, "member", "a stale change is not applied")
        const stranger = UserId.make(randomUUID())
        assert.strictEqual(yield* failure(identity.changeRole(a.org, stranger, "member", "admin")), "MemberNotFound")
        assert.strictEqual(yield* failure(identity.changeRole(b.org, x.userId, "member", "admin")), "MemberNotFound")
      })
    )

    it.effect("removeMember removes a member whose role is still the expected one", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        const a = yield* organization
        const b = yield* organization
        const x = yield* add(a.org, "member")
        assert.strictEqual(yield* failure(identity.removeMember(a.org, x.userId, "admin")), "MemberChanged")
        assert.strictEqual(yield* failure(identity.removeMember(b.org, x.userId, "member")), "MemberNotFound")
        yield* identity.removeMember(a.org, x.userId, "member")
        assert.isTrue(Option.isNone(yield* identity.member(a.org, x.userId)))
        assert.deepStrictEqual(yield* roles(a.org), [[a.owner, "owner"]])
        assert.deepStrictEqual(yield* identity.membershipsOf(x.userId), [])
        assert.strictEqual(yield* failure(identity.removeMember(a.org, x.userId, "member")), "MemberNotFound")
      })
    )

    it.effect("the last owner can be neither demoted nor removed; with a second owner, one of them can", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        const a = yield* organization
        assert.strictEqual(yield* failure(identity.changeRole(a.org, a.owner, "owner", "admin")), "LastOwner")
        assert.strictEqual(yield* failure(identity.removeMember(a.org, a.owner, "owner")), "LastOwner")
        const second = yield* add(a.org, "owner")
        yield* identity.changeRole(a.org, a.owner, "owner", "admin")
        assert.strictEqual(yield* failure(identity.changeRole(a.org, second.userId, "owner", "member")), "LastOwner")
        assert.strictEqual(yield* failure(identity.removeMember(a.org, second.userId, "owner")), "LastOwner")
        assert.deepStrictEqual(yield* roles(a.org), [
          [a.owner, "admin"],
          [second.userId, "owner"]
        ])
      })
    )

    it.effect("two owners demoted (or removed) concurrently: exactly one succeeds and one owner remains", () =>
      Effect.gen(function* () {
        const identity = yield* IdentityRepository
        for (const step of ["demote", "remove"] as const) {
          const a = yield* organization
          const second = yield* add(a.org, "owner")
          const act = (user: UserId) =>
            Effect.result(
              step === "demote"
                ? identity.changeRole(a.org, user, "owner", "admin")
                : identity.removeMember(a.org, user, "owner")
            )
          const results = yield* Effect.all([act(a.owner), act(second.userId)], { concurrency: "unbounded" })
          const refused = results.flatMap((r) => (r._tag === "Failure" ? [r.failure._tag] : []))
          assert.deepStrictEqual(refused, ["LastOwner"], step)
          assert.strictEqual(yield* owners(a.org), 1, step)
        }
      })
    )
  })

describe("IdentityRepository", () => {
  contract("memory", MemoryIdentityRepository.layer)
  contract("postgres", PgIdentityRepository.layer.pipe(Layer.provide(TestDatabase.layer), Layer.orDie))
})
