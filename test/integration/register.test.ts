/** Sign-up over HTTP on real Postgres: the first POST endpoint, and the input-hardening rules it shows. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { call, mailedToken, PASSWORD, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

const post = (body: unknown) =>
  HttpClient.execute(HttpClientRequest.post("/api/v1/auth/register").pipe(HttpClientRequest.bodyJsonUnsafe(body)))

const json = (response: { readonly json: Effect.Effect<unknown, unknown> }) =>
  response.json.pipe(Effect.map((body) => body as Record<string, unknown>))

const valid = (email: string) => ({ organizationName: "Acme Goods", email, password: "correct horse battery staple" })

describe("POST /api/v1/auth/register", () => {
  // This file is about how passwords are stored: the production scrypt cost, not the tests' fast one.
  layer(testApp({ PASSWORD_HASH_LOG2N: "15" }), { excludeTestServices: true, timeout: 60_000 })("sign-up", (it) => {
    it.effect(
      "the emailed link creates the organisation and its owner; the password is stored only as a scrypt hash",
      () =>
        Effect.gen(function* () {
          const response = yield* post(valid("Owner@Example.COM "))
          assert.strictEqual(response.status, 202)
          const body = yield* json(response)
          assert.strictEqual(body["status"], "email_sent")
          const { sql } = yield* AdminDatabase
          const before = yield* sql<{
            n: number
          }>`SELECT count(*)::int AS n FROM users WHERE email = 'owner@example.com'`
          assert.strictEqual(before[0]?.n, 0, "no account until the address is confirmed")
          const pending = yield* sql<{ password_hash: string }>`
          SELECT password_hash FROM account_tokens WHERE purpose = 'sign_up' AND email = 'owner@example.com'`
          assert.match(
            pending[0]?.password_hash ?? "",
            /^scrypt\$15\$8\$1\$/,
            "the pending sign-up keeps only the hash"
          )
          const token = yield* mailedToken("owner@example.com", /Confirm your email/)
          assert.strictEqual((yield* call("POST", "/api/v1/auth/verify", { body: { token } })).status, 204)
          const rows = yield* sql<{ password_hash: string; role: string; verified: boolean }>`
          SELECT u.password_hash, m.role, u.email_verified_at IS NOT NULL AS verified
          FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = 'owner@example.com'`
          assert.strictEqual(rows.length, 1)
          assert.strictEqual(rows[0]?.role, "owner")
          assert.strictEqual(rows[0]?.verified, true, "created by the emailed link, so confirmed")
          assert.match(rows[0]?.password_hash ?? "", /^scrypt\$15\$8\$1\$/)
          assert.notInclude(rows[0]?.password_hash ?? "", "correct horse")
        })
    )

    it.effect(
      "the same email twice (any case) gets the very same answer, writes nothing more, and its owner is told",
      () =>
        Effect.gen(function* () {
          const first = yield* post(valid("twice@example.com"))
          const again = yield* post({ ...valid("TWICE@example.com"), organizationName: "Other" })
          // Was 409 email_taken: anyone could tell which addresses have accounts (issue 21 item 9).
          assert.strictEqual(again.status, first.status)
          assert.strictEqual(again.status, 202)
          assert.deepStrictEqual(yield* json(again), yield* json(first))
          const told = yield* mailedToken("twice@example.com", /Confirm your email/)
          assert.isString(told, "no account yet: the address gets the newer sign-up's link")
          const { sql } = yield* AdminDatabase
          const orgs = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM organizations WHERE name = 'Other'`
          assert.strictEqual(orgs[0]?.n, 0)
        })
    )

    it.effect("an unknown field is a 400 problem naming it, and nothing is created", () =>
      Effect.gen(function* () {
        const response = yield* post({ ...valid("extra@example.com"), isAdmin: true })
        assert.strictEqual(response.status, 400)
        assert.strictEqual(response.headers["content-type"], "application/problem+json")
        const body = yield* json(response)
        assert.strictEqual(body["code"], "bad_request")
        assert.isString(body["requestId"])
        assert.include(JSON.stringify(body["errors"]), "isAdmin")
        const { sql } = yield* AdminDatabase
        const users = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE email = 'extra@example.com'`
        assert.strictEqual(users[0]?.n, 0)
      })
    )

    it.effect("invalid values are 400 problems: password not a string, malformed email, malformed JSON", () =>
      Effect.gen(function* () {
        const notText = yield* post({ ...valid("short@example.com"), password: 123456789012 })
        assert.strictEqual(notText.status, 400)
        assert.include(JSON.stringify((yield* json(notText))["errors"]), "password")
        const email = yield* post(valid("not-an-email"))
        assert.strictEqual(email.status, 400)
        const client = yield* HttpClient.HttpClient
        const malformed = yield* client.execute(
          HttpClientRequest.post("/api/v1/auth/register").pipe(
            HttpClientRequest.bodyText("{not json", "application/json")
          )
        )
        assert.strictEqual(malformed.status, 400)
        assert.strictEqual((yield* json(malformed))["code"], "bad_request")
      })
    )

    it.effect("weak passwords are 422 weak_password saying what to change, and create nothing", () =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [string, string, string]> = [
          ["\u0000".repeat(12), "weak-nul@example.com", "control characters"],
          ["a".repeat(12), "weak-repeated@example.com", "different characters"],
          ["\u{1F600}".repeat(6), "weak-astral@example.com", "at least 12 characters"],
          ["too-short", "weak-short@example.com", "at least 12 characters"],
          ["x".repeat(257), "weak-long@example.com", "at most 256 characters"],
          ["Qwerty123456", "weak-common@example.com", "common"]
        ]
        for (const [password, email, hint] of cases) {
          const response = yield* post({ ...valid(email), password })
          assert.strictEqual(response.status, 422, email)
          const body = yield* json(response)
          assert.strictEqual(body["code"], "weak_password", email)
          assert.include(String(body["detail"]), hint, email)
        }
        const { sql } = yield* AdminDatabase
        const users = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE email LIKE 'weak-%'`
        assert.strictEqual(users[0]?.n, 0)
      })
    )

    it.effect("adding a member with a weak password is 422 weak_password; a good one is still 201", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("weak-member-owner@example.com")
        const add = (email: string, password: string) =>
          call("POST", "/api/v1/org/members", { token: owner.accessToken, body: { email, password, role: "member" } })
        const nul = yield* add("weak-member-nul@example.com", "\u0000".repeat(12))
        assert.strictEqual(nul.status, 422)
        assert.strictEqual((yield* json(nul))["code"], "weak_password")
        const repeated = yield* add("weak-member-a@example.com", "a".repeat(12))
        assert.strictEqual(repeated.status, 422)
        assert.strictEqual((yield* json(repeated))["code"], "weak_password")
        assert.strictEqual((yield* add("good-member@example.com", PASSWORD)).status, 201)
      })
    )

    it.effect("organisation names with control or bidirectional-override characters are refused with a 400", () =>
      Effect.gen(function* () {
        const names = ["Acme \u202Esdoog", "Acme\u2066Goods", "Acme\u001bGoods", "Acme\u0085Goods", "Acme\u0000Goods"]
        for (const [i, organizationName] of names.entries()) {
          const response = yield* post({ ...valid(`bad-name-${i}@example.com`), organizationName })
          assert.strictEqual(response.status, 400, JSON.stringify(organizationName))
          const body = yield* json(response)
          assert.strictEqual(body["code"], "bad_request")
          assert.include(JSON.stringify(body["errors"]), "control or bidirectional", JSON.stringify(organizationName))
        }
        const { sql } = yield* AdminDatabase
        const users = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE email LIKE 'bad-name-%'`
        assert.strictEqual(users[0]?.n, 0)
        assert.strictEqual(
          (yield* post({ ...valid("good-name@example.com"), organizationName: "Ácme — Goods 東京" })).status,
          202
        )
      })
    )

    it.effect("a body over the size limit is refused with a normalized problem, never a 500", () =>
      Effect.gen(function* () {
        const response = yield* post({ ...valid("big@example.com"), organizationName: "x".repeat(2 * 1024 * 1024) })
        assert.strictEqual(response.status, 413)
        const body = yield* json(response)
        assert.strictEqual(body["status"], response.status)
        assert.strictEqual(body["code"], "payload_too_large")
      })
    )
  })
})
