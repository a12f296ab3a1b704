/** API protection under pressure: rate limits with their headers, and a bounded answer when the pool is exhausted. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

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
  layer(testApp({ DATABASE_POOL_MAX: "1", REQUEST_TIMEOUT: "1 second" }), {
    excludeTestServices: true,
    timeout: 60_000
  })("one connection, held elsewhere", (it) => {
    it.effect("a request that needs the database gets a 503 problem within the request timeout, not a hang", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("pool@example.com")
        const sql = yield* SqlClient.SqlClient
        const holder = yield* Effect.forkChild(sql`SELECT pg_sleep(4)`)
        yield* Effect.sleep("200 millis")
        const started = Date.now()
        const response = yield* call("GET", "/api/v1/org/members", { token: owner.accessToken })
        const elapsed = Date.now() - started
        assert.strictEqual(response.status, 503)
        assert.strictEqual(response.headers["retry-after"], "1")
        assert.strictEqual((yield* json(response))["code"], "service_unavailable")
        assert.isBelow(elapsed, 3_500, "answered before the connection came back")
        yield* Fiber.join(holder)
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
