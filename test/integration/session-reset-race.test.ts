/**
 * A password reset racing a refresh, interleaved deterministically on real Postgres: the refresh has rotated (its
 * new token written, not yet committed) when the reset starts; the test lets the refresh commit only once the reset
 * is waiting on a lock (seen in pg_stat_activity, never a sleep). Whatever the order, no session that began before
 * the reset may live on after it: the rotated-in token is refused. And the other way round: a refresh and a login
 * that arrive while the reset holds the account wait for it, then are refused.
 */
import { assert, describe, layer } from "@effect/vitest"
import { DateTime, Deferred, Duration, Effect, Fiber, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes, randomUUID } from "node:crypto"
import * as MemoryMailer from "../../adapters/memory/MemoryMailer.ts"
import * as PgAccountTokenRepository from "../../adapters/postgres/PgAccountTokenRepository.ts"
import * as PgAuditLog from "../../adapters/postgres/PgAuditLog.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"
import * as PgSessionRepository from "../../adapters/postgres/PgSessionRepository.ts"
import * as PgTransactions from "../../adapters/postgres/PgTransactions.ts"
import { issueToken } from "../../core/identity/AccountLinks.ts"
import { Email, OrganizationName, Password } from "../../core/identity/Identity.ts"
import * as Passwords from "../../core/identity/Passwords.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { SessionRepository, type SessionOwner } from "../../core/identity/ports/SessionRepository.ts"
import { SessionId } from "../../core/identity/Principal.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { eventually } from "../support/Eventually.ts"
import { TestLinks } from "../support/Mail.ts"
import { IdentityServices } from "../support/MemoryIdentity.ts"
import * as TestDatabase from "../support/TestDatabase.ts"

const Stack = Layer.mergeAll(
  PgIdentityRepository.layer,
  PgSessionRepository.layer,
  PgAccountTokenRepository.layer,
  PgTransactions.layer,
  PgAuditLog.layer
).pipe(
  Layer.provideMerge(TestDatabase.layer),
  Layer.merge(Layer.mergeAll(IdentityServices, MemoryMailer.layer, TestLinks)),
  Layer.orDie
)

const hash = () => new Uint8Array(randomBytes(32))
const issued = (tokenHash: Uint8Array) =>
  DateTime.now.pipe(Effect.map((now) => ({ tokenHash, expiresAt: DateTime.addDuration(now, Duration.hours(1)) })))

/** A registered owner whose password hash is `passwordHash`, and a session family of theirs. */
const owner = (passwordHash: string) =>
  Effect.gen(function* () {
    const identity = yield* IdentityRepository
    const { organization, user } = yield* identity.registerOwner({
      organizationId: OrgId.make(randomUUID()),
      userId: UserId.make(randomUUID()),
      organizationName: OrganizationName.make("Race"),
      email: Email.make(`${randomUUID()}@example.com`),
      passwordHash
    })
    const family: SessionOwner = {
      familyId: SessionId.make(randomUUID()),
      userId: user.id,
      organizationId: organization.id
    }
    return family
  })

/** How many connections of this database are waiting for a lock. */
const waitingOnLocks = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`
}).pipe(Effect.map((rows) => rows[0]?.n ?? 0))

describe("password reset against a concurrent refresh (Postgres)", () => {
  layer(Stack, { excludeTestServices: true, timeout: 60_000 })("interleaved", (it) => {
    it.effect("a refresh that rotated while the reset ran cannot outlive the reset", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const sessions = yield* SessionRepository
        const who = yield* owner("x")
        const [t0, t1] = [hash(), hash()]
        yield* sessions.open(who, yield* issued(t0), { passwordHash: "x" })

        // The refresh: rotated, not yet committed, until the test lets it go.
        const rotated = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const refresh = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              const outcome = yield* sessions.rotate(t0, yield* issued(t1))
              yield* Deferred.succeed(rotated, undefined)
              yield* Deferred.await(release)
              return outcome
            })
          )
          .pipe(Effect.forkChild)
        yield* Deferred.await(rotated)

        // The reset starts now and has to wait for the refresh's transaction.
        const token = yield* issueToken(who.userId, "reset_password")
        const reset = yield* Passwords.resetPassword(
          token,
          Redacted.make(Password.make("a brand new passphrase"))
        ).pipe(Effect.forkChild)
        yield* eventually("the reset waits on the refresh's locks", waitingOnLocks, (n) => n > 0)
        yield* Deferred.succeed(release, undefined)
        assert.strictEqual((yield* Fiber.join(refresh))._tag, "Rotated")
        yield* Fiber.join(reset)

        // The token the refresh handed out must not work after the reset.
        assert.deepStrictEqual(yield* sessions.rotate(t1, yield* issued(hash())), { _tag: "Invalid" })
      })
    )

    it.effect("a refresh and a login arriving while the reset holds the account wait, then are refused", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const sessions = yield* SessionRepository
        const identity = yield* IdentityRepository
        const transactions = yield* Transactions
        const who = yield* owner("x")
        const t0 = hash()
        yield* sessions.open(who, yield* issued(t0), { passwordHash: "x" })

        // The reset: password set and sessions revoked, not yet committed, until the test lets it go.
        const done = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const reset = yield* sql
          .withTransaction(
            transactions.forAccount(who.userId)(
              Effect.gen(function* () {
                yield* identity.setPassword(who.userId, "y")
                yield* sessions.revokeAllOf(who.userId)
                yield* Deferred.succeed(done, undefined)
                yield* Deferred.await(release)
              })
            )
          )
          .pipe(Effect.forkChild)
        yield* Deferred.await(done)

        // A refresh and a login (which checked the old password) now: both wait for the reset.
        const refresh = yield* sessions.rotate(t0, yield* issued(hash())).pipe(Effect.forkChild)
        const later = SessionId.make(randomUUID())
        const login = yield* sessions
          .open({ ...who, familyId: later }, yield* issued(hash()), { passwordHash: "x" })
          .pipe(Effect.forkChild)
        yield* eventually("the refresh and the login wait on the account", waitingOnLocks, (n) => n >= 2)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(reset)
        assert.deepStrictEqual(yield* Fiber.join(refresh), { _tag: "Invalid" })
        assert.isFalse(yield* Fiber.join(login))
      })
    )
  })
})
