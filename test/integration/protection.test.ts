/** API protection under pressure: rate limits with their headers, and a bounded answer when the pool is exhausted. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { eventually } from "../support/Eventually.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

describe("rate limiting", () => {
  layer(testApp({ RATE_LIMIT_AUTH_PER_MINUTE: "5", RATE_LIMIT_GLOBAL_PER_MINUTE: "50" }), {
    excludeTestServices: true,
    timeout: 60_000
  })("with small budgets", (it) => {
    it.effect("an auth endpoint hammered past its budget answers 429 with Retry-After and RateLimit headers", () =>
      Effect.gen(function* () {
        const statuses: Array<number> = []
        let last: Record<string, string> = {}
        for (let i = 0; i < 8; i++) {
          const response = yield* call("POST", "/api/v1/auth/login", {
            body: { email: "x@example.com", password: "whatever" }
          })
          statuses.push(response.status)
          last = response.headers
          if (response.status === 429) {
            const body = yield* json(response)
            assert.strictEqual(body["code"], "rate_limited")
          }
        }
        assert.deepStrictEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429])
        assert.isAbove(Number(last["retry-after"]), 0)
        assert.strictEqual(last["ratelimit-limit"], "5")
        assert.strictEqual(last["ratelimit-remaining"], "0")
      })
    )

    it.effect("/health/live and /health/ready are never limited", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 80; i++) {
          const response = yield* call("GET", i % 2 === 0 ? "/health/live" : "/health/ready")
          assert.notStrictEqual(response.status, 429)
          assert.isUndefined(response.headers["ratelimit-limit"])
        }
      })
    )
  })
})

describe("database pool exhaustion", () => {
  // The request deadline is what answers 503 here; it is a few seconds so the sign-up before it (through the same one
  // connection) never meets it, however slow the machine. Statements may wait as long as the test holds the pool.
  layer(testApp({ DATABASE_POOL_MAX: "1", REQUEST_TIMEOUT: "3 seconds", DATABASE_STATEMENT_TIMEOUT: "5 minutes" }), {
    excludeTestServices: true,
    timeout: 60_000
  })("one connection, held elsewhere", (it) => {
    it.effect("a request that needs the database gets a 503 problem within the request timeout, not a hang", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("pool@example.com")
        const sql = yield* SqlClient.SqlClient
        const { sql: admin } = yield* AdminDatabase
        // The app's only connection sleeps until the test cancels it (longer than any test runs).
        const holder = yield* Effect.forkChild(Effect.exit(sql`SELECT pg_sleep(600)`))
        const sleeping = admin<{ pid: number }>`
          SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()`
        const [busy] = yield* eventually("the pool's one connection is held", sleeping, (rows) => rows.length === 1)
        const response = yield* call("GET", "/api/v1/org/members", { token: owner.accessToken })
        assert.strictEqual(response.status, 503)
        assert.strictEqual(response.headers["retry-after"], "1")
        assert.strictEqual((yield* json(response))["code"], "service_unavailable")
        assert.lengthOf(yield* sleeping, 1, "answered while the connection was still held, not after it came back")
        // Give the connection back: the same request is then served.
        yield* admin`SELECT pg_cancel_backend(${busy!.pid})`
        yield* Fiber.join(holder)
        const served = yield* call("GET", "/api/v1/org/members", { token: owner.accessToken })
        assert.strictEqual(served.status, 200)
      })
    )
  })
})

describe("CORS", () => {
  layer(testApp({ CORS_ALLOWED_ORIGINS: "https://console.example.com" }), {
    excludeTestServices: true,
    timeout: 60_000
  })("with an allow-list", (it) => {
    it.effect("only allow-listed origins get CORS headers", () =>
      Effect.gen(function* () {
        const preflight = (origin: string) =>
          HttpClient.execute(
            HttpClientRequest.make("OPTIONS")("/api/v1/auth/login").pipe(
              HttpClientRequest.setHeaders({ origin, "access-control-request-method": "POST" })
            )
          )
        const allowed = yield* preflight("https://console.example.com")
        assert.strictEqual(allowed.headers["access-control-allow-origin"], "https://console.example.com")
        assert.strictEqual(allowed.headers["access-control-allow-credentials"], "true")
        const other = yield* preflight("https://evil.example.net")
        assert.notStrictEqual(other.headers["access-control-allow-origin"], "https://evil.example.net")
        assert.notStrictEqual(other.headers["access-control-allow-origin"], "*")
      })
    )
  })
})
