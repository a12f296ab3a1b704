/**
 * The account lifecycle's use cases on memory stores, time driven by TestClock (never slept), email over real SMTP
 * to a loopback server: link expiry at exactly 24 h / 30 min, single use, neutral answers, sessions revoked, and the
 * admins' connection alerts (owners and admins, one email each; members none).
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Exit, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryMailer from "../../adapters/memory/MemoryMailer.ts"
import { Outbox } from "../../adapters/memory/MemoryMailer.ts"
import { TOKEN_TTL } from "../../core/identity/AccountTokens.ts"
import * as Authentication from "../../core/identity/Authentication.ts"
import { Email, OrganizationName, Password } from "../../core/identity/Identity.ts"
import * as Members from "../../core/identity/Members.ts"
import * as Passwords from "../../core/identity/Passwords.ts"
import { AccountTokenRepository } from "../../core/identity/ports/AccountTokenRepository.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { Principal, SessionId } from "../../core/identity/Principal.ts"
import { PersistenceError } from "../../core/shared/errors.ts"
import { register, resendVerification, verifyEmail } from "../../core/identity/Registration.ts"
import { emailAdmins } from "../../core/notifications/AdminAlerts.ts"
import { nextMail, TestMailbox, tokenIn } from "../support/Mail.ts"
import { MemoryIdentity, signUpVerified } from "../support/MemoryIdentity.ts"

const password = "correct horse battery staple"
const input = (email: string) => ({
  organizationName: OrganizationName.make("Acme"),
  email: Email.make(email),
  password: Redacted.make(Password.make(password))
})
const tagOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.exit(effect).pipe(
    Effect.map((exit) =>
      Exit.isSuccess(exit) ? "ok" : exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error._tag : r._tag)).join()
    )
  )
const login = (email: string, pw = password) =>
  Authentication.login({ email: Email.make(email), password: Redacted.make(pw) })

describe("account lifecycle (TestClock)", () => {
  it.effect("a verification link works until 24 h and not at 24 h; it works once", () =>
    Effect.gen(function* () {
      yield* register(input("a@example.com"))
      yield* register(input("b@example.com"))
      const a = tokenIn(yield* nextMail("a@example.com", /Confirm your email/))
      const b = tokenIn(yield* nextMail("b@example.com", /Confirm your email/))
      assert.strictEqual(yield* tagOf(login("a@example.com")), "InvalidCredentials", "no account until the link")
      yield* TestClock.adjust(Duration.seconds(24 * 3600 - 1))
      assert.strictEqual(yield* tagOf(verifyEmail(a)), "ok")
      assert.strictEqual(yield* tagOf(verifyEmail(a)), "InvalidAccountToken", "single use")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* tagOf(verifyEmail(b)), "InvalidAccountToken", "expired at 24 h")
      assert.strictEqual(yield* tagOf(login("a@example.com")), "ok")
      assert.strictEqual(yield* tagOf(verifyEmail(`${a.split(".")[0]}.${"x".repeat(43)}`)), "InvalidAccountToken")
      assert.strictEqual(yield* tagOf(verifyEmail("not-a-token")), "InvalidAccountToken")
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("register is neutral: a known address gets no error and no change, only an email", () =>
    Effect.gen(function* () {
      yield* signUpVerified(input("known@example.com"))
      assert.strictEqual(
        yield* tagOf(
          register({ ...input("known@example.com"), password: Redacted.make(Password.make("another long passphrase")) })
        ),
        "ok"
      )
      const told = yield* nextMail("known@example.com", /already have/)
      assert.include(told.text, "forgot-password")
      assert.strictEqual(yield* tagOf(login("known@example.com")), "ok", "the password is unchanged")
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("a reset link expires at 30 minutes, works once, and revokes every session", () =>
    Effect.gen(function* () {
      yield* signUpVerified(input("r@example.com"))
      const first = yield* login("r@example.com")
      const second = yield* login("r@example.com")
      yield* Passwords.requestReset(Email.make("r@example.com"))
      const late = tokenIn(yield* nextMail("r@example.com", /Reset your/))
      yield* TestClock.adjust("30 minutes")
      const next = Redacted.make(Password.make("a brand new passphrase"))
      assert.strictEqual(yield* tagOf(Passwords.resetPassword(late, next)), "InvalidAccountToken")
      yield* Passwords.requestReset(Email.make("r@example.com"))
      const token = tokenIn(yield* nextMail("r@example.com", /Reset your/))
      yield* TestClock.adjust(Duration.seconds(30 * 60 - 1))
      assert.strictEqual(yield* tagOf(Passwords.resetPassword(token, next)), "ok")
      assert.strictEqual(yield* tagOf(Passwords.resetPassword(token, next)), "InvalidAccountToken")
      for (const session of [first, second])
        assert.strictEqual(yield* tagOf(Authentication.refresh(session.refreshToken)), "InvalidRefreshToken")
      assert.strictEqual(yield* tagOf(Authentication.authenticate(first.accessToken)), "InvalidAccessToken")
      assert.strictEqual(yield* tagOf(login("r@example.com")), "InvalidCredentials")
      assert.strictEqual(yield* tagOf(login("r@example.com", "a brand new passphrase")), "ok")
      // Unknown addresses: the same success, and nothing sent.
      assert.strictEqual(yield* tagOf(Passwords.requestReset(Email.make("ghost@example.com"))), "ok")
      yield* Passwords.requestReset(Email.make("r@example.com"))
      yield* nextMail("r@example.com", /Reset your/)
      assert.strictEqual((yield* TestMailbox).messages("ghost@example.com").length, 0)
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("a reset whose new password cannot be stored leaves the link usable (redeem and set are one unit)", () =>
    Effect.gen(function* () {
      yield* signUpVerified(input("atomic@example.com"))
      yield* Passwords.requestReset(Email.make("atomic@example.com"))
      const token = tokenIn(yield* nextMail("atomic@example.com", /Reset your/))
      const next = Redacted.make(Password.make("a brand new passphrase"))
      const failing = Layer.effect(
        IdentityRepository,
        Effect.gen(function* () {
          const real = yield* IdentityRepository
          return IdentityRepository.of({
            ...real,
            setPassword: () =>
              Effect.fail(new PersistenceError({ operation: "IdentityRepository.setPassword", reason: "Unavailable" }))
          })
        })
      )
      assert.strictEqual(
        yield* tagOf(Passwords.resetPassword(token, next).pipe(Effect.provide(failing))),
        "PersistenceError"
      )
      assert.strictEqual(yield* tagOf(Passwords.resetPassword(token, next)), "ok", "the link was not spent")
      assert.strictEqual(yield* tagOf(login("atomic@example.com", "a brand new passphrase")), "ok")
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("one address gets at most 5 reset links and 5 confirmation links an hour; every answer is the same", () =>
    Effect.gen(function* () {
      yield* signUpVerified(input("flood@example.com"))
      yield* Effect.gen(function* () {
        const tokens = yield* AccountTokenRepository
        const outbox = yield* Outbox
        const mails = (subject: RegExp) =>
          Effect.map(outbox.sent, (sent) => sent.filter((m) => subject.test(m.subject)))
        /** Waits (by yielding to the forked senders, no clock) until a mail whose link was issued now or later. */
        const untilLinkIssuedNow = (subject: RegExp, ttl: Duration.Duration) =>
          Effect.gen(function* () {
            const issuedNow = DateTime.addDuration(yield* DateTime.now, ttl)
            for (let turn = 0; turn < 10_000; turn++) {
              for (const mail of yield* mails(subject)) {
                const selector = /#token=([A-Za-z0-9_-]+)\./.exec(mail.text)?.[1] ?? ""
                const stored = yield* tokens.find(selector)
                if (Option.exists(stored, (t) => !DateTime.isLessThan(t.expiresAt, issuedNow))) return
              }
              yield* Effect.yieldNow
            }
            return yield* Effect.die(new Error("no link issued after the window"))
          })

        for (let i = 0; i < 6; i++)
          assert.strictEqual(yield* tagOf(Passwords.requestReset(Email.make("flood@example.com"))), "ok")
        yield* TestClock.adjust("1 hour")
        yield* Passwords.requestReset(Email.make("flood@example.com"))
        // The senders run in order: once the new window's link is out, every earlier request's is too.
        yield* untilLinkIssuedNow(/Reset your/, TOKEN_TTL.reset_password)
        assert.strictEqual((yield* mails(/Reset your/)).length, 6, "5 in the first hour, 1 in the next")

        // Confirmation links for a pending sign-up: sign-up and resend share one budget.
        yield* register(input("pending@example.com"))
        for (let i = 0; i < 5; i++)
          assert.strictEqual(yield* tagOf(resendVerification(Email.make("pending@example.com"))), "ok")
        yield* TestClock.adjust("1 hour")
        yield* resendVerification(Email.make("pending@example.com"))
        yield* untilLinkIssuedNow(/Confirm your email/, TOKEN_TTL.sign_up)
        assert.strictEqual((yield* mails(/Confirm your email/)).length, 6)
      }).pipe(Effect.provide(MemoryMailer.layer))
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("connection alerts go to owners and admins, one message each, not to members", () =>
    Effect.gen(function* () {
      const { organization, user } = yield* signUpVerified(input("boss@example.com"))
      const owner = new Principal({
        userId: user.id,
        organizationId: organization.id,
        role: "owner",
        sessionId: SessionId.make(crypto.randomUUID())
      })
      const add = (email: string, role: "admin" | "member") =>
        Members.add(owner, { email: Email.make(email), password: Redacted.make(Password.make(password)), role })
      yield* add("admin@example.com", "admin")
      yield* add("member@example.com", "member")
      const sent = yield* emailAdmins({
        type: "connection.needs_reauth",
        organizationId: organization.id,
        connectionId: "conn-1",
        provider: "shopify",
        detail: "invalid_grant: token revoked"
      })
      assert.strictEqual(sent, 2)
      for (const to of ["boss@example.com", "admin@example.com"]) {
        const mail = yield* nextMail(to, /reconnect your shopify connection/)
        assert.deepStrictEqual(mail.to, [to], "one recipient per message")
        assert.include(mail.text, "invalid_grant")
      }
      assert.strictEqual((yield* TestMailbox).messages("member@example.com").length, 0)
    }).pipe(Effect.provide(MemoryIdentity))
  )
})
