/** Sign-up over HTTP on real Postgres: the first POST endpoint, and the input-hardening rules it shows. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

const post = (body: unknown) =>
  HttpClient.execute(HttpClientRequest.post("/api/v1/auth/register").pipe(HttpClientRequest.bodyJsonUnsafe(body)))

const json = (response: { readonly json: Effect.Effect<unknown, unknown> }) =>
  response.json.pipe(Effect.map((body) => body as Record<string, unknown>))

const valid = (email: string) => ({ organizationName: "Acme Goods", email, password: "correct horse battery staple" })

describe("POST /api/v1/auth/register", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 60_000 })("sign-up", (it) => {
    it.effect("creates the organisation and its owner; the password is stored only as a scrypt hash", () =>
      Effect.gen(function* () {
        const response = yield* post(valid("Owner@Example.COM "))
        assert.strictEqual(response.status, 201)
        const body = yield* json(response)
        assert.strictEqual(body["role"], "owner")
        assert.deepStrictEqual((body["user"] as Record<string, unknown>)["email"], "owner@example.com")
        const { sql } = yield* AdminDatabase
        const rows = yield* sql<{ password_hash: string; role: string }>`
          SELECT u.password_hash, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = 'owner@example.com'`
        assert.strictEqual(rows.length, 1)
        assert.strictEqual(rows[0]?.role, "owner")
        assert.match(rows[0]?.password_hash ?? "", /^scrypt\$15\$8\$1\$/)
        assert.notInclude(rows[0]?.password_hash ?? "", "correct horse")
      })
    )

    it.effect("the same email twice (any case) is a 409 problem and writes nothing more", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* post(valid("twice@example.com"))).status, 201)
        const again = yield* post({ ...valid("TWICE@example.com"), organizationName: "Other" })
        assert.strictEqual(again.status, 409)
        const body = yield* json(again)
        assert.strictEqual(body["code"], "email_taken")
        assert.strictEqual(body["status"], 409)
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

    it.effect("invalid values are 400 problems: short password, malformed email, malformed JSON", () =>
      Effect.gen(function* () {
        const short = yield* post({ ...valid("short@example.com"), password: "too-short" })
        assert.strictEqual(short.status, 400)
        assert.include(JSON.stringify((yield* json(short))["errors"]), "at least 12 characters")
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
