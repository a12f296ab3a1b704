/**
 * The Transactions contract on both adapters (memory, Postgres): everything run in one unit of work commits or
 * rolls back together — repository writes and audit entries alike — whether the unit fails, dies or is
 * interrupted, and its value or error passes through unchanged; a nested unit of the same organisation joins the
 * outer one, one of another organisation is a savepoint in it. Checked through the IdentityRepository and AuditLog
 * of the same technology.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Option, Schema } from "effect"
import { randomUUID } from "node:crypto"
import * as MemoryAuditLog from "../../adapters/memory/MemoryAuditLog.ts"
import * as MemoryIdentityRepository from "../../adapters/memory/MemoryIdentityRepository.ts"
import * as MemoryTransactions from "../../adapters/memory/MemoryTransactions.ts"
import * as PgAuditLog from "../../adapters/postgres/PgAuditLog.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"
import * as PgTransactions from "../../adapters/postgres/PgTransactions.ts"
import { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import { Email, OrganizationName } from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import * as TestDatabase from "../support/TestDatabase.ts"

class Abandoned extends Schema.TaggedError<Abandoned>()("Abandoned", { step: Schema.String }) {}

type Ports = Transactions | IdentityRepository | AuditLog

const email = () => Email.make(`${randomUUID()}@example.com`)

const registration = () => ({
  organizationId: OrgId.make(randomUUID()),
  userId: UserId.make(randomUUID()),
  organizationName: OrganizationName.make("Unit of work"),
  email: email(),
  passwordHash: "x"
})

/** An organisation registered outside any unit of work under test. */
const organization = Effect.gen(function* () {
  const identity = yield* IdentityRepository
  return (yield* identity.registerOwner(registration())).organization.id
})

/** The two writes a use case makes together: a new member and the audit entry saying so. */
const addMemberAudited = (org: OrgId, memberEmail: Email) =>
  Effect.gen(function* () {
    const identity = yield* IdentityRepository
    const audit = yield* AuditLog
    const member = yield* identity.addMember(org, { email: memberEmail, passwordHash: "h", role: "member" })
    yield* audit.record({ organizationId: org, actorUserId: undefined, action: "MEMBER_ADDED", target: member.userId })
    return member
  })

/** What is visible after a unit: the organisation's member count, its audit actions, whether the email is used. */
const visible = (org: OrgId, memberEmail: Email) =>
  Effect.gen(function* () {
    const identity = yield* IdentityRepository
    const audit = yield* AuditLog
    return {
      members: (yield* identity.listMembers(org)).length,
      audit: (yield* audit.list(org, { limit: 10 })).entries.map((e) => e.action),
      emailUsed: Option.isSome(yield* identity.findCredentials(memberEmail))
    }
  })

/** Only the owner, no audit entry, the email unused. */
const NOTHING = { members: 1, audit: [], emailUsed: false }
const COMMITTED = { members: 2, audit: ["MEMBER_ADDED"], emailUsed: true }

const contract = (name: string, adapters: Layer.Layer<Ports>) =>
  layer(adapters, { excludeTestServices: true })(`Transactions contract: ${name}`, (it) => {
    it.effect("a unit that succeeds commits every write and returns its value", () =>
      Effect.gen(function* () {
        const transactions = yield* Transactions
        const org = yield* organization
        const memberEmail = email()
        const member = yield* transactions.inOrganization(org)(addMemberAudited(org, memberEmail))
        assert.strictEqual(member.email, memberEmail)
        assert.deepStrictEqual(yield* visible(org, memberEmail), COMMITTED)
      })
    )

    it.effect("a unit that fails rolls back every write, and its error passes through unchanged", () =>
      Effect.gen(function* () {
        const transactions = yield* Transactions
        const org = yield* organization
        const memberEmail = email()
        const error = yield* Effect.flip(
          transactions.inOrganization(org)(
            addMemberAudited(org, memberEmail).pipe(Effect.andThen(Effect.fail(new Abandoned({ step: "after audit" }))))
          )
        )
        assert.deepStrictEqual(error, new Abandoned({ step: "after audit" }))
        assert.deepStrictEqual(yield* visible(org, memberEmail), NOTHING)
        yield* addMemberAudited(org, memberEmail)
        assert.deepStrictEqual(yield* visible(org, memberEmail), COMMITTED, "the email is free again")
      })
    )

    it.effect("a state change and its audit entry stay together when a repository fails later in the unit", () =>
      Effect.gen(function* () {
        const transactions = yield* Transactions
        const identity = yield* IdentityRepository
        const org = yield* organization
        const memberEmail = email()
        const taken = email()
        yield* identity.addMember(org, { email: taken, passwordHash: "h", role: "member" })
        const error = yield* Effect.flip(
          transactions.inOrganization(org)(
            Effect.gen(function* () {
              yield* addMemberAudited(org, memberEmail)
              yield* identity.addMember(org, { email: taken, passwordHash: "h", role: "admin" })
            })
          )
        )
        assert.strictEqual(error._tag, "EmailTaken")
        assert.deepStrictEqual(yield* visible(org, memberEmail), { ...NOTHING, members: 2 })
      })
    )

    it.effect("a registration inside a failed unit leaves no organisation, user or audit entry behind", () =>
      Effect.gen(function* () {
        const transactions = yield* Transactions
        const identity = yield* IdentityRepository
        const audit = yield* AuditLog
        const r = registration()
        const exit = yield* Effect.exit(
          transactions.inOrganization(r.organizationId)(
            Effect.gen(function* () {
              yield* identity.registerOwner(r)
              yield* audit.record({
                organizationId: r.organizationId,
                actorUserId: r.userId,
                action: "USER_REGISTERED"
              })
              return yield* new Abandoned({ step: "registration" })
            })
          )
        )
        assert.isTrue(Exit.isFailure(exit))
        assert.isTrue(Option.isNone(yield* identity.organization(r.organizationId)))
        assert.isTrue(Option.isNone(yield* identity.findCredentials(r.email)))
        assert.deepStrictEqual(yield* identity.membershipsOf(r.userId), [])
        yield* identity.registerOwner(r)
        assert.deepStrictEqual((yield* audit.list(r.organizationId, { limit: 10 })).entries, [], "no entry survived")
      })
    )

    it.effect("a defect or an interruption rolls the unit back too", () =>
      Effect.gen(function* () {
        const transactions = yield* Transactions
        const org = yield* organization
        const died = email()
        const exit = yield* Effect.exit(
          transactions.inOrganization(org)(addMemberAudited(org, died).pipe(Effect.andThen(Effect.die("bug"))))
        )
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        assert.deepStrictEqual(yield* visible(org, died), NOTHING)
        const interrupted = email()
        const written = yield* Deferred.make<void>()
        const unit = yield* Effect.forkChild(
          transactions.inOrganization(org)(
            addMemberAudited(org, interrupted).pipe(
              Effect.andThen(Deferred.succeed(written, undefined)),
              Effect.andThen(Effect.never)
            )
          )
        )
        yield* Deferred.await(written)
        yield* Fiber.interrupt(unit)
        assert.deepStrictEqual(yield* visible(org, interrupted), NOTHING)
      })
    )

    it.effect("a nested unit of the same organisation joins the outer one: the outer failure undoes it", () =>
      Effect.gen(function* () {
        const transactions = yield* Transactions
        const org = yield* organization
        const memberEmail = email()
        const error = yield* Effect.flip(
          transactions.inOrganization(org)(
            transactions
              .inOrganization(org)(addMemberAudited(org, memberEmail))
              .pipe(Effect.andThen(Effect.fail(new Abandoned({ step: "after the inner unit" }))))
          )
        )
        assert.strictEqual(error._tag, "Abandoned")
        assert.deepStrictEqual(yield* visible(org, memberEmail), NOTHING)
      })
    )

    it.effect("a nested unit of another organisation is a savepoint: a caught failure undoes its writes only", () =>
      Effect.gen(function* () {
        const transactions = yield* Transactions
        const [a, b] = [yield* organization, yield* organization]
        const [inA, inB, laterB] = [email(), email(), email()]
        const caught = yield* transactions.inOrganization(a)(
          Effect.gen(function* () {
            yield* addMemberAudited(a, inA)
            const inner = yield* Effect.flip(
              transactions.inOrganization(b)(
                addMemberAudited(b, inB).pipe(Effect.andThen(Effect.fail(new Abandoned({ step: "inner" }))))
              )
            )
            return inner
          })
        )
        assert.deepStrictEqual(caught, new Abandoned({ step: "inner" }))
        assert.deepStrictEqual(yield* visible(a, inA), COMMITTED, "the outer unit's writes commit")
        assert.deepStrictEqual(yield* visible(b, inB), NOTHING, "the failed inner unit's writes do not")
        const error = yield* Effect.flip(
          transactions.inOrganization(a)(
            transactions
              .inOrganization(b)(addMemberAudited(b, laterB))
              .pipe(Effect.andThen(Effect.fail(new Abandoned({ step: "outer" }))))
          )
        )
        assert.deepStrictEqual(error, new Abandoned({ step: "outer" }))
        assert.deepStrictEqual(yield* visible(b, laterB), NOTHING, "an inner unit is undone with its outer one")
      })
    )
  })

describe("Transactions", () => {
  contract("memory", Layer.mergeAll(MemoryTransactions.layer, MemoryIdentityRepository.layer, MemoryAuditLog.layer))
  contract(
    "postgres",
    Layer.mergeAll(PgTransactions.layer, PgIdentityRepository.layer, PgAuditLog.layer).pipe(
      Layer.provide(TestDatabase.layer),
      Layer.orDie
    )
  )
})
