import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import * as Authentication from "../../core/identity/Authentication.ts"
import { Email, OrganizationName, Password } from "../../core/identity/Identity.ts"
import { AccessTokens } from "../../core/identity/ports/AccessTokens.ts"
import { MemoryIdentity, signUpVerified } from "../support/MemoryIdentity.ts"

const email = Email.make("owner@example.com")
const password = "correct horse battery staple"
const signUp = signUpVerified({
  organizationName: OrganizationName.make("Acme"),
  email,
  password: Redacted.make(Password.make(password))
})
const login = (pw: string) => Authentication.login({ email, password: Redacted.make(pw) })
const failureTag = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.exit(effect).pipe(
    Effect.map((exit) =>
      Exit.isFailure(exit)
        ? String(exit.cause).includes("InvalidCredentials")
          ? "InvalidCredentials"
          : String(exit.cause)
        : "ok"
    )
  )

describe("login and lockout", () => {
  it.effect(
    "5 failures lock the account; while locked even the right password gets the same answer; the lock expires",
    () =>
      Effect.gen(function* () {
        const { organization } = yield* signUp
        for (let i = 0; i < 5; i++)
          assert.strictEqual(yield* failureTag(login("wrong password!")), "InvalidCredentials")
        // Sixth attempt, with the right password: locked, indistinguishable from a wrong password.
        assert.strictEqual(yield* failureTag(login(password)), "InvalidCredentials")
        const audit = yield* (yield* AuditLog).list(organization.id, { limit: 50 })
        assert.strictEqual(audit.entries.filter((e) => e.action === "ACCOUNT_LOCKED").length, 1)
        yield* TestClock.adjust("14 minutes")
        assert.strictEqual(yield* failureTag(login(password)), "InvalidCredentials")
        yield* TestClock.adjust("1 minute")
        const session = yield* login(password)
        assert.strictEqual(session.principal.organizationId, organization.id)
      }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("a successful login resets the failure count", () =>
    Effect.gen(function* () {
      yield* signUp
      for (let i = 0; i < 4; i++) yield* Effect.exit(login("wrong password!"))
      yield* login(password)
      for (let i = 0; i < 4; i++) yield* Effect.exit(login("wrong password!"))
      const session = yield* login(password)
      assert.strictEqual(session.principal.role, "owner")
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("an unknown email fails exactly like a wrong password", () =>
    Effect.gen(function* () {
      yield* signUp
      const exit = yield* Effect.exit(
        Authentication.login({ email: Email.make("nobody@example.com"), password: Redacted.make(password) })
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "InvalidCredentials")
    }).pipe(Effect.provide(MemoryIdentity))
  )
})

describe("refresh rotation and reuse detection", () => {
  it.effect("refresh rotates; replaying a used token revokes the family and is audited", () =>
    Effect.gen(function* () {
      const { organization } = yield* signUp
      const first = yield* login(password)
      const second = yield* Authentication.refresh(first.refreshToken)
      assert.notStrictEqual(Redacted.value(second.refreshToken), Redacted.value(first.refreshToken))
      const principal = yield* (yield* AccessTokens).verify(second.accessToken)
      assert.strictEqual(principal.sessionId, first.principal.sessionId)

      const replay = yield* Effect.exit(Authentication.refresh(first.refreshToken))
      assert.include(String(Exit.isFailure(replay) ? replay.cause : ""), "InvalidRefreshToken")
      const afterReuse = yield* Effect.exit(Authentication.refresh(second.refreshToken))
      assert.include(
        String(Exit.isFailure(afterReuse) ? afterReuse.cause : ""),
        "InvalidRefreshToken",
        "the family is dead"
      )
      const audit = yield* (yield* AuditLog).list(organization.id, { limit: 50 })
      assert.isTrue(
        audit.entries.some((e) => e.action === "TOKEN_REUSE_DETECTED" && e.target === first.principal.sessionId)
      )
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("logout revokes the session", () =>
    Effect.gen(function* () {
      yield* signUp
      const session = yield* login(password)
      yield* Authentication.logout(session.refreshToken)
      const exit = yield* Effect.exit(Authentication.refresh(session.refreshToken))
      assert.isTrue(Exit.isFailure(exit))
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("reuse and logout deny the session's access tokens at once; other sessions keep working", () =>
    Effect.gen(function* () {
      yield* signUp
      const reason = (token: Redacted.Redacted<string>) =>
        Authentication.authenticate(token).pipe(
          Effect.flip,
          Effect.map((e) => (e._tag === "InvalidAccessToken" ? e.reason : e._tag))
        )
      const first = yield* login(password)
      const bystander = yield* login(password)
      const second = yield* Authentication.refresh(first.refreshToken)
      assert.strictEqual((yield* Authentication.authenticate(second.accessToken)).role, "owner")
      yield* Effect.exit(Authentication.refresh(first.refreshToken))
      assert.strictEqual(yield* reason(first.accessToken), "revoked")
      assert.strictEqual(yield* reason(second.accessToken), "revoked")
      assert.strictEqual((yield* Authentication.authenticate(bystander.accessToken)).role, "owner")

      yield* Authentication.logout(bystander.refreshToken)
      assert.strictEqual(yield* reason(bystander.accessToken), "revoked")
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("an expired access token is refused", () =>
    Effect.gen(function* () {
      yield* signUp
      const session = yield* login(password)
      const tokens = yield* AccessTokens
      assert.strictEqual((yield* tokens.verify(session.accessToken)).userId, session.principal.userId)
      yield* TestClock.adjust("15 minutes")
      const expired = yield* Effect.flip(tokens.verify(session.accessToken))
      assert.strictEqual(expired.reason, "expired")
    }).pipe(Effect.provide(MemoryIdentity))
  )
})
