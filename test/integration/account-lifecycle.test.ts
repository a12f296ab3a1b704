/**
 * The account lifecycle over HTTP on real Postgres, with the app's SMTP adapter sending to a real SMTP server on
 * loopback (smtp-server, with AUTH) and the test reading what arrived (mailparser): neutral sign-up, verification,
 * reset, change, sessions revoked, single use and expiry (explicit times written to the database), a removed member
 * added again, and the audit entries.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { call, json, login, PASSWORD } from "../support/Api.ts"
import { nextMail, smtpServer, TestMailbox, tokenIn } from "../support/Mail.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

const SMTP_USER = "tradeport"
const SMTP_PASSWORD = "smtp-secret-for-the-test"

const app = Layer.unwrap(
  Effect.gen(function* () {
    const server = yield* smtpServer({ auth: { user: SMTP_USER, password: SMTP_PASSWORD } })
    return testApp({
      SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${server.port}`,
      MAIL_FROM: "Tradeport <accounts@tradeport.test>",
      PUBLIC_BASE_URL: "https://app.tradeport.test"
    }).pipe(Layer.provideMerge(Layer.succeed(TestMailbox, server)))
  })
)

const register = (email: string, password = PASSWORD) =>
  call("POST", "/api/v1/auth/register", { body: { organizationName: "Lifecycle Co", email, password } })

/** Registers, follows the emailed link, logs in. */
const verifiedOwner = (email: string) =>
  Effect.gen(function* () {
    assert.strictEqual((yield* register(email)).status, 202)
    const mail = yield* nextMail(email, /Confirm your email/)
    assert.strictEqual((yield* call("POST", "/api/v1/auth/verify", { body: { token: tokenIn(mail) } })).status, 204)
    return yield* login(email)
  })

const status = (method: "GET" | "POST", path: string, options: { body?: unknown; token?: string } = {}) =>
  call(method, path, options).pipe(Effect.map((r) => r.status))

const codeOf = (method: "POST", path: string, body: unknown) =>
  call(method, path, { body }).pipe(
    Effect.flatMap((r) => json(r).pipe(Effect.map((b) => `${r.status} ${String(b["code"])}`)))
  )

describe("account lifecycle with email", () => {
  layer(app, { excludeTestServices: true, timeout: 60_000 })("over SMTP on loopback", (it) => {
    it.effect("sign-up answers the same for a new and a known address; each owner gets the right email", () =>
      Effect.gen(function* () {
        const fresh = yield* register("new-owner@example.com")
        yield* verifiedOwner("known-owner@example.com")
        const known = yield* register("KNOWN-owner@example.com", "another long passphrase")
        assert.strictEqual(known.status, fresh.status)
        assert.deepStrictEqual(yield* json(known), yield* json(fresh))

        const welcome = yield* nextMail("new-owner@example.com", /Confirm your email/)
        assert.include(welcome.from, "<accounts@tradeport.test>")
        assert.include(welcome.text, "https://app.tradeport.test/console/verify#token=")
        const told = yield* nextMail("known-owner@example.com", /already have a Tradeport account/)
        assert.include(told.text, "https://app.tradeport.test/console/forgot-password")
        assert.notInclude(told.text, "#token=", "a confirmed account is not sent a link it does not need")
        // The known account was not touched: its old password still works, the new one does not.
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/login", {
            body: { email: "known-owner@example.com", password: PASSWORD }
          }),
          200
        )
        const { sql } = yield* AdminDatabase
        const orgs = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM organizations WHERE name = 'Lifecycle Co'`
        assert.strictEqual(orgs[0]?.n, 1, "the confirmed sign-up's; none for the known one, none before a link")
      })
    )

    it.effect(
      "sign-up then login tells nothing: no account before the link, and the right password is a plain 401",
      () =>
        Effect.gen(function* () {
          const email = "probe@victim.example"
          yield* verifiedOwner("exists@victim.example")
          // The probe: sign up with P, then log in with P. A new address and a known one must answer alike.
          assert.strictEqual((yield* register(email)).status, 202)
          assert.strictEqual((yield* register("exists@victim.example", "another long passphrase")).status, 202)
          assert.strictEqual(
            yield* codeOf("POST", "/api/v1/auth/login", { email, password: PASSWORD }),
            "401 invalid_credentials"
          )
          assert.strictEqual(
            yield* codeOf("POST", "/api/v1/auth/login", {
              email: "exists@victim.example",
              password: "another long passphrase"
            }),
            "401 invalid_credentials"
          )
          const { sql } = yield* AdminDatabase
          const users = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE email = ${email}`
          assert.strictEqual(users[0]?.n, 0, "a sign-up creates no account until its address is confirmed")
        })
    )

    it.effect("pre-creation takeover: a stranger's sign-up never gives them the owner's account", () =>
      Effect.gen(function* () {
        const email = "victim@shop.example"
        const attacker = "the attacker's passphrase"
        assert.strictEqual((yield* register(email, attacker)).status, 202)
        yield* nextMail(email, /Confirm your email/)
        // The owner signs up later with their own password and follows whatever link they are sent.
        assert.strictEqual((yield* register(email, PASSWORD)).status, 202)
        const mail = yield* nextMail(email, /Confirm your email|already have a Tradeport account/)
        assert.strictEqual((yield* call("POST", "/api/v1/auth/verify", { body: { token: tokenIn(mail) } })).status, 204)
        assert.strictEqual(
          yield* codeOf("POST", "/api/v1/auth/login", { email, password: attacker }),
          "401 invalid_credentials"
        )
        assert.strictEqual(yield* status("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }), 200)
      })
    )

    it.effect("an unconfirmed account from before is offered a new password, never a plain confirmation", () =>
      Effect.gen(function* () {
        // As the old sign-up left it: an unconfirmed owner whose password someone else may have chosen.
        const email = "legacy@shop.example"
        const attacker = "the attacker's passphrase"
        assert.strictEqual((yield* register("legacy-seed@shop.example", attacker)).status, 202)
        yield* call("POST", "/api/v1/auth/verify", {
          body: { token: tokenIn(yield* nextMail("legacy-seed@shop.example", /Confirm your email/)) }
        })
        const { sql } = yield* AdminDatabase
        yield* sql`UPDATE users SET email = ${email}, email_verified_at = NULL WHERE email = 'legacy-seed@shop.example'`
        assert.strictEqual(
          yield* codeOf("POST", "/api/v1/auth/login", { email, password: attacker }),
          "401 invalid_credentials"
        )
        assert.strictEqual((yield* register(email, PASSWORD)).status, 202)
        const told = yield* nextMail(email, /already have a Tradeport account/)
        assert.include(told.text, "/console/reset-password#token=")
        assert.notInclude(told.text, "/console/verify#token=")
        const token = tokenIn(told)
        assert.strictEqual(yield* codeOf("POST", "/api/v1/auth/verify", { token }), "422 invalid_token")
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/password/reset", {
            body: { token, password: "the owner's new passphrase" }
          }),
          204
        )
        assert.strictEqual(yield* status("POST", "/api/v1/auth/login", { body: { email, password: attacker } }), 401)
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/login", { body: { email, password: "the owner's new passphrase" } }),
          200
        )
      })
    )

    it.effect("an unconfirmed sign-up cannot log in; the link confirms it once; an expired link does nothing", () =>
      Effect.gen(function* () {
        const email = "unverified@example.com"
        yield* register(email)
        const first = tokenIn(yield* nextMail(email, /Confirm your email/))
        assert.strictEqual(
          yield* codeOf("POST", "/api/v1/auth/login", { email, password: PASSWORD }),
          "401 invalid_credentials",
          "no account yet: the right password is told what a wrong one is"
        )
        // Resend: a new link, and the older one stops working.
        assert.strictEqual(yield* status("POST", "/api/v1/auth/verify/resend", { body: { email } }), 202)
        const second = tokenIn(yield* nextMail(email, /Confirm your email/))
        assert.strictEqual(yield* codeOf("POST", "/api/v1/auth/verify", { token: first }), "422 invalid_token")
        // Expired (an explicit time in the database): refused, and the account stays unverified.
        const { sql } = yield* AdminDatabase
        const selector = second.split(".")[0] ?? ""
        yield* sql`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE selector = ${selector}`
        assert.strictEqual(yield* codeOf("POST", "/api/v1/auth/verify", { token: second }), "422 invalid_token")
        assert.strictEqual(yield* status("POST", "/api/v1/auth/verify/resend", { body: { email } }), 202)
        const third = tokenIn(yield* nextMail(email, /Confirm your email/))
        assert.strictEqual(yield* status("POST", "/api/v1/auth/verify", { body: { token: third } }), 204)
        assert.strictEqual(yield* codeOf("POST", "/api/v1/auth/verify", { token: third }), "422 invalid_token")
        assert.strictEqual(yield* status("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }), 200)
        const audit = yield* sql<{ action: string }>`SELECT action FROM audit_log WHERE action = 'EMAIL_VERIFIED'`
        assert.isAtLeast(audit.length, 1)
      })
    )

    it.effect(
      "reset: neutral request, hashed single-use 30-minute link, every session revoked, old password gone",
      () =>
        Effect.gen(function* () {
          const email = "forgetful@example.com"
          const before = yield* verifiedOwner(email)
          const other = yield* login(email)
          const unknown = yield* call("POST", "/api/v1/auth/password/forgot", { body: { email: "nobody@example.com" } })
          const known = yield* call("POST", "/api/v1/auth/password/forgot", { body: { email } })
          assert.strictEqual(known.status, 202)
          assert.strictEqual(unknown.status, known.status)
          assert.deepStrictEqual(yield* json(unknown), yield* json(known))
          const token = tokenIn(yield* nextMail(email, /Reset your Tradeport password/))
          assert.strictEqual((yield* TestMailbox).messages("nobody@example.com").length, 0)

          // Stored hashed, expiring within 30 minutes.
          const { sql } = yield* AdminDatabase
          const [selector = "", verifier = ""] = token.split(".")
          const rows = yield* sql<{ verifier_hash: Uint8Array; ttl: number; clear: boolean }>`
          SELECT verifier_hash, extract(epoch FROM expires_at - created_at)::int AS ttl,
                 EXISTS (SELECT 1 FROM account_tokens t WHERE t::text LIKE ${`%${verifier}%`}) AS clear
          FROM account_tokens WHERE selector = ${selector}`
          assert.strictEqual(
            Buffer.from(rows[0]?.verifier_hash ?? new Uint8Array()).toString("hex"),
            createHash("sha256").update(verifier).digest("hex")
          )
          assert.isAtMost(rows[0]?.ttl ?? Infinity, 30 * 60)
          assert.isFalse(rows[0]?.clear, "the verifier is nowhere in clear")

          // A weak password does not use the link up.
          assert.strictEqual(
            yield* codeOf("POST", "/api/v1/auth/password/reset", { token, password: "a".repeat(12) }),
            "422 weak_password"
          )
          assert.strictEqual(
            yield* status("POST", "/api/v1/auth/password/reset", {
              body: { token, password: "a brand new passphrase" }
            }),
            204
          )
          assert.strictEqual(
            yield* codeOf("POST", "/api/v1/auth/password/reset", { token, password: "yet another passphrase" }),
            "422 invalid_token"
          )
          // Every session is gone: refresh tokens and the access tokens already handed out.
          for (const session of [before, other]) {
            assert.strictEqual(
              yield* status("POST", "/api/v1/auth/refresh", { body: { refreshToken: session.refreshToken } }),
              401
            )
            assert.strictEqual(yield* status("GET", "/api/v1/me", { token: session.accessToken }), 401)
          }
          assert.strictEqual(yield* status("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }), 401)
          const after = yield* login(email, "a brand new passphrase")
          assert.strictEqual(yield* status("GET", "/api/v1/me", { token: after.accessToken }), 200)
          yield* nextMail(email, /password was changed/)

          // An expired link (explicit time) is refused.
          yield* call("POST", "/api/v1/auth/password/forgot", { body: { email } })
          const late = tokenIn(yield* nextMail(email, /Reset your Tradeport password/))
          yield* sql`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE selector = ${late.split(".")[0] ?? ""}`
          assert.strictEqual(
            yield* codeOf("POST", "/api/v1/auth/password/reset", { token: late, password: "the latest passphrase" }),
            "422 invalid_token"
          )
          const audit = yield* sql<{ action: string }>`
            SELECT action FROM audit_log
            WHERE action = 'PASSWORD_RESET' AND target = (SELECT id::text FROM users WHERE email = ${email})`
          assert.strictEqual(audit.length, 1)
        })
    )

    it.effect("change: current password required, policy kept, other sessions revoked, this one kept", () =>
      Effect.gen(function* () {
        const email = "changer@example.com"
        const current = yield* verifiedOwner(email)
        const other = yield* login(email)
        const change = (body: unknown) =>
          call("POST", "/api/v1/me/password", { token: current.accessToken, body }).pipe(
            Effect.flatMap((r) =>
              r.status === 204
                ? Effect.succeed("204")
                : json(r).pipe(Effect.map((b) => `${r.status} ${String(b["code"])}`))
            )
          )
        assert.strictEqual(
          yield* change({ currentPassword: "not my password", newPassword: "a changed passphrase" }),
          "403 wrong_password"
        )
        assert.strictEqual(
          yield* change({ currentPassword: PASSWORD, newPassword: "\u0000".repeat(12) }),
          "422 weak_password"
        )
        assert.strictEqual(yield* change({ currentPassword: PASSWORD, newPassword: "a changed passphrase" }), "204")
        assert.strictEqual(yield* status("GET", "/api/v1/me", { token: current.accessToken }), 200)
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/refresh", { body: { refreshToken: current.refreshToken } }),
          200
        )
        assert.strictEqual(yield* status("GET", "/api/v1/me", { token: other.accessToken }), 401)
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/refresh", { body: { refreshToken: other.refreshToken } }),
          401
        )
        assert.strictEqual(yield* status("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }), 401)
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/login", { body: { email, password: "a changed passphrase" } }),
          200
        )
        const notice = yield* nextMail(email, /password was changed/)
        assert.notInclude(notice.text, "a changed passphrase")
      })
    )

    it.effect("a removed member can be added again; their old sessions do not come back", () =>
      Effect.gen(function* () {
        const owner = yield* verifiedOwner("team-owner@example.com")
        const add = (password: string) =>
          call("POST", "/api/v1/org/members", {
            token: owner.accessToken,
            body: { email: "returning@example.com", password, role: "member" }
          })
        const added = yield* add(PASSWORD)
        assert.strictEqual(added.status, 201)
        const userId = String((yield* json(added))["userId"])
        const memberSession = yield* login("returning@example.com")
        assert.strictEqual(
          (yield* call("DELETE", `/api/v1/org/members/${userId}`, { token: owner.accessToken })).status,
          204
        )
        // Was 409 email_taken forever (issue 21 item 9).
        const again = yield* add("a new member passphrase")
        assert.strictEqual(again.status, 201)
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/refresh", { body: { refreshToken: memberSession.refreshToken } }),
          401
        )
        assert.strictEqual(
          yield* status("POST", "/api/v1/auth/login", { body: { email: "returning@example.com", password: PASSWORD } }),
          401
        )
        const back = yield* login("returning@example.com", "a new member passphrase")
        assert.strictEqual(yield* status("GET", "/api/v1/me", { token: back.accessToken }), 200)
        // Someone with a membership elsewhere is still not taken over.
        yield* verifiedOwner("elsewhere@example.com")
        const taken = yield* call("POST", "/api/v1/org/members", {
          token: owner.accessToken,
          body: { email: "elsewhere@example.com", password: "a passphrase to steal", role: "member" }
        })
        assert.strictEqual(taken.status, 409)
      })
    )
  })
})
