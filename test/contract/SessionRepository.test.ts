/**
 * The SessionRepository contract on both adapters (memory, Postgres): rotation retires the presented token and
 * activates its successor; presenting a used token is reuse, which revokes the whole family (also when 20 refreshes
 * race with one token); unknown, expired and revoked tokens are Invalid; logout revokes one family only.
 * Owners are registered through the IdentityRepository of the same technology (Postgres needs the user row).
 */
import { assert, describe, layer } from "@effect/vitest"
import { DateTime, Duration, Effect, Layer } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import * as MemoryIdentityRepository from "../../adapters/memory/MemoryIdentityRepository.ts"
import * as MemorySessionRepository from "../../adapters/memory/MemorySessionRepository.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"
import * as PgSessionRepository from "../../adapters/postgres/PgSessionRepository.ts"
import { Email, OrganizationName } from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { type IssuedToken, SessionRepository, type SessionOwner } from "../../core/identity/ports/SessionRepository.ts"
import { SessionId } from "../../core/identity/Principal.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import * as TestDatabase from "../support/TestDatabase.ts"

const hash = () => new Uint8Array(randomBytes(32))

/** A token valid for `validFor` from now; a negative duration gives one that has already expired. */
const issued = (tokenHash: Uint8Array, validFor: Duration.Duration = Duration.hours(1)) =>
  DateTime.now.pipe(Effect.map((now): IssuedToken => ({ tokenHash, expiresAt: DateTime.addDuration(now, validFor) })))
const expired = (tokenHash: Uint8Array) => issued(tokenHash, Duration.minutes(-1))
const INVALID = { _tag: "Invalid" } as const
/** The password hash `owner` registers with, as a login would have verified it. */
const ANY = { passwordHash: "x" }

/** Presents `presented`, offering a fresh successor (or `next`). */
const rotate = (presented: Uint8Array, next: Uint8Array = hash()) =>
  Effect.gen(function* () {
    const sessions = yield* SessionRepository
    return yield* sessions.rotate(presented, yield* issued(next))
  })

/** A registered user and a fresh session family of theirs. */
const owner = Effect.gen(function* () {
  const identity = yield* IdentityRepository
  const { organization, user } = yield* identity.registerOwner({
    organizationId: OrgId.make(randomUUID()),
    userId: UserId.make(randomUUID()),
    organizationName: OrganizationName.make("Sessions"),
    email: Email.make(`${randomUUID()}@example.com`),
    passwordHash: "x"
  })
  const family: SessionOwner = {
    familyId: SessionId.make(randomUUID()),
    userId: user.id,
    organizationId: organization.id
  }
  return family
})

/** A second family for the same user. */
const anotherFamily = (of: SessionOwner): SessionOwner => ({ ...of, familyId: SessionId.make(randomUUID()) })

const contract = (name: string, repositories: Layer.Layer<SessionRepository | IdentityRepository>) =>
  layer(repositories, { excludeTestServices: true })(`SessionRepository contract: ${name}`, (it) => {
    it.effect("rotate retires the presented token and activates its successor, in the same family", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionRepository
        const who = yield* owner
        const [t0, t1, t2] = [hash(), hash(), hash()]
        yield* sessions.open(who, yield* issued(t0), ANY)
        assert.deepStrictEqual(yield* rotate(t0, t1), { _tag: "Rotated", ...who })
        assert.deepStrictEqual(yield* rotate(t1, t2), { _tag: "Rotated", ...who })
      })
    )

    it.effect("presenting a used token is reuse: reported once, and the whole family is revoked", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionRepository
        const who = yield* owner
        const [t0, t1, stolen] = [hash(), hash(), hash()]
        yield* sessions.open(who, yield* issued(t0), ANY)
        assert.strictEqual((yield* rotate(t0, t1))._tag, "Rotated")
        assert.deepStrictEqual(yield* rotate(t0, stolen), { _tag: "Reused", ...who })
        assert.deepStrictEqual(yield* rotate(t1), INVALID, "the successor is revoked with its family")
        assert.deepStrictEqual(yield* rotate(t0), INVALID, "reuse is reported once")
        assert.deepStrictEqual(yield* rotate(stolen), INVALID, "the token offered with a reused one is never stored")
      })
    )

    it.effect("unknown and expired tokens are Invalid, and an Invalid rotation stores nothing", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionRepository
        const who = yield* owner
        const [old, next] = [hash(), hash()]
        assert.deepStrictEqual(yield* rotate(hash()), INVALID)
        yield* sessions.open(who, yield* expired(old), ANY)
        assert.deepStrictEqual(yield* rotate(old, next), INVALID)
        assert.deepStrictEqual(yield* rotate(old), INVALID, "an expired token presented twice is not reuse")
        assert.deepStrictEqual(yield* rotate(next), INVALID)
      })
    )

    it.effect("logout (revokeFamilyOf) returns the owner and revokes that family only; unknown tokens: nothing", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionRepository
        const who = yield* owner
        const other = anotherFamily(who)
        const [t0, t1, u0] = [hash(), hash(), hash()]
        yield* sessions.open(who, yield* issued(t0), ANY)
        yield* rotate(t0, t1)
        yield* sessions.open(other, yield* issued(u0), ANY)
        assert.deepStrictEqual(yield* sessions.revokeFamilyOf(t0), who, "a retired token still names its family")
        assert.deepStrictEqual(yield* rotate(t1), INVALID)
        assert.deepStrictEqual(yield* sessions.revokeFamilyOf(t1), who, "an already revoked family is still known")
        assert.deepStrictEqual(yield* rotate(u0), { _tag: "Rotated", ...other })
        assert.isUndefined(yield* sessions.revokeFamilyOf(hash()))
      })
    )

    it.effect("a password change ends the families begun before it; a login that checked the old one opens none", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionRepository
        const identity = yield* IdentityRepository
        const who = yield* owner
        const [t0, u0, v0] = [hash(), hash(), hash()]
        assert.isTrue(yield* sessions.open(who, yield* issued(t0), ANY))
        yield* identity.setPassword(who.userId, "y")
        assert.deepStrictEqual(yield* rotate(t0), INVALID, "begun under the old password")
        assert.isFalse(yield* sessions.open(anotherFamily(who), yield* issued(u0), ANY), "verified the old password")
        assert.deepStrictEqual(yield* rotate(u0), INVALID, "nothing was left open")
        const fresh = anotherFamily(who)
        assert.isTrue(yield* sessions.open(fresh, yield* issued(v0), { passwordHash: "y" }))
        assert.deepStrictEqual(yield* rotate(v0), { _tag: "Rotated", ...fresh })
      })
    )

    it.effect("a password change keeps the family it was told to keep (the changer's own session)", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionRepository
        const identity = yield* IdentityRepository
        const who = yield* owner
        const other = anotherFamily(who)
        const [t0, u0] = [hash(), hash()]
        yield* sessions.open(who, yield* issued(t0), ANY)
        yield* sessions.open(other, yield* issued(u0), ANY)
        yield* identity.setPassword(who.userId, "y")
        assert.deepStrictEqual(yield* sessions.revokeAllOf(who.userId, { keep: who.familyId }), [other.familyId])
        assert.deepStrictEqual(yield* rotate(t0), { _tag: "Rotated", ...who })
        assert.deepStrictEqual(yield* rotate(u0), INVALID)
      })
    )

    it.effect("20 concurrent refreshes with one token: exactly one rotates, the family ends revoked", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionRepository
        const who = yield* owner
        const t0 = hash()
        yield* sessions.open(who, yield* issued(t0), ANY)
        const successors = Array.from({ length: 20 }, hash)
        const outcomes = yield* Effect.forEach(successors, (next) => rotate(t0, next), { concurrency: "unbounded" })
        const count = (tag: string) => outcomes.filter((o) => o._tag === tag).length
        assert.strictEqual(count("Rotated"), 1)
        assert.isAtLeast(count("Reused"), 1, "the losers present a used token")
        assert.strictEqual(count("Rotated") + count("Reused") + count("Invalid"), 20)
        for (const next of successors) assert.deepStrictEqual(yield* rotate(next), INVALID, "successor revoked")
      })
    )
  })

describe("SessionRepository", () => {
  contract("memory", MemorySessionRepository.layer.pipe(Layer.provideMerge(MemoryIdentityRepository.layer)))
  contract(
    "postgres",
    Layer.mergeAll(PgSessionRepository.layer, PgIdentityRepository.layer).pipe(
      Layer.provide(TestDatabase.layer),
      Layer.orDie
    )
  )
})
