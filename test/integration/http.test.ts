/** The HTTP app end to end on real Postgres and Redis: probes, docs, metrics, error bodies, request ids. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { call, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

const json = (response: { readonly json: Effect.Effect<unknown, unknown> }) =>
  response.json.pipe(Effect.map((body) => body as Record<string, unknown>))

describe("HTTP app", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 60_000 })("on real Postgres + Redis", (it) => {
    it.effect("/health/ready reports database and redis up, and the scheduler once it has beaten", () =>
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const body = yield* client.get("/health/ready").pipe(
          Effect.flatMap((r) => (r.status === 200 ? json(r) : Effect.fail(`status ${r.status}`))),
          Effect.repeat({
            until: (b) => (b["checks"] as Record<string, string>)["scheduler"] === "up",
            schedule: Schedule.spaced("100 millis"),
            times: 50
          })
        )
        assert.deepStrictEqual(body["checks"], {
          database: "up",
          redis: "up",
          scheduler: "up",
          providers: "up",
          jobs: "up",
          g2a: "disabled"
        })
        assert.strictEqual(body["status"], "ready")
        const live = yield* client.get("/health/live")
        assert.strictEqual(live.status, 200)
        const g2aWebhook = yield* client.execute(
          HttpClientRequest.post("/webhooks/g2a").pipe(HttpClientRequest.bodyText("{}", "application/json"))
        )
        assert.strictEqual(g2aWebhook.status, 404, "no G2A account configured: no G2A webhook source")
      })
    )

    it.effect(
      "one set of connect routes serves every provider: unknown or non-connectable providers are 404, never 500",
      () =>
        Effect.gen(function* () {
          const owner = yield* signUpAndLogin("connect-routes@example.com")
          const status = (path: string) =>
            call("GET", path, { token: owner.accessToken }).pipe(
              Effect.flatMap((r) => json(r).pipe(Effect.map((body) => [r.status, body["code"]])))
            )
          assert.deepStrictEqual(yield* status("/api/v1/auth/ebay/install"), [404, "provider_not_found"])
          assert.deepStrictEqual(yield* status("/api/v1/auth/fedex/install"), [404, "provider_not_configured"])
          assert.deepStrictEqual(yield* status("/api/v1/auth/Not-A-Provider/install"), [400, "bad_request"])
          const keys = yield* call("POST", "/api/v1/auth/shopify/callback", { body: { user_id: "x" } }).pipe(
            Effect.flatMap((r) => json(r).pipe(Effect.map((body) => [r.status, body["code"]])))
          )
          assert.deepStrictEqual(keys, [400, "state_invalid"], "a provider without a key exchange takes no keys")
        })
    )

    it.effect("GET /ops/jobs (an operator's endpoint, not the tenant API) shows every scheduled job", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("ops@example.com")
        const tenantRoute = yield* call("GET", "/api/v1/ops/jobs", { token: owner.accessToken })
        assert.strictEqual(tenantRoute.status, 404, "platform-wide job state is not shown to organisation admins")
        const body = yield* call("GET", "/ops/jobs").pipe(
          Effect.flatMap((r) => (r.status === 200 ? json(r) : Effect.fail(`status ${r.status}`))),
          Effect.repeat({
            until: (b) => (b["jobs"] as Array<unknown>).length >= 4,
            schedule: Schedule.spaced("100 millis"),
            times: 50
          })
        )
        const jobs = body["jobs"] as Array<Record<string, unknown>>
        assert.includeMembers(
          jobs.map((j) => j["job"]),
          ["heartbeat", "release-expired-reservations", "purge-idempotency-records", "refresh-tokens"]
        )
        const heartbeat = jobs.find((j) => j["job"] === "heartbeat")!
        assert.isString(heartbeat["lastSuccessAt"])
        assert.isString(heartbeat["nextRunAt"])
        assert.strictEqual(heartbeat["lagging"], false)
      })
    )

    it.effect(
      "a 401 names its scheme (WWW-Authenticate: Bearer), and says invalid_token only when one was presented",
      () =>
        Effect.gen(function* () {
          const client = yield* HttpClient.HttpClient
          const anonymous = yield* client.get("/api/v1/me")
          assert.strictEqual(anonymous.status, 401)
          assert.strictEqual(anonymous.headers["www-authenticate"], 'Bearer realm="tradeport"')
          const forged = yield* client.execute(
            HttpClientRequest.get("/api/v1/me").pipe(HttpClientRequest.bearerToken("not.a.token"))
          )
          assert.strictEqual(forged.status, 401)
          assert.strictEqual(forged.headers["www-authenticate"], 'Bearer realm="tradeport", error="invalid_token"')
        })
    )

    it.effect("a body without a Content-Type is refused with 415, not guessed to be JSON", () =>
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const untyped = yield* client.execute(
          HttpClientRequest.post("/api/v1/auth/login").pipe(
            HttpClientRequest.bodyUint8Array(new TextEncoder().encode('{"email":"a@b.example","password":"x"}')),
            HttpClientRequest.removeHeader("content-type")
          )
        )
        assert.strictEqual(untyped.status, 415)
        const body = yield* json(untyped)
        assert.strictEqual(body["code"], "unsupported_media_type")
        const typed = yield* call("POST", "/api/v1/auth/login", { body: { email: "a@b.example", password: "x" } })
        assert.strictEqual(typed.status, 401, "the same body with its type is read")
      })
    )

    it.effect("an unknown route is a normalized 404 problem carrying the caller's request id", () =>
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(
          HttpClientRequest.get("/api/v1/nothing-here").pipe(
            HttpClientRequest.setHeader("x-request-id", "req-test-00000001")
          )
        )
        assert.strictEqual(response.status, 404)
        assert.strictEqual(response.headers["content-type"], "application/problem+json")
        assert.strictEqual(response.headers["x-request-id"], "req-test-00000001")
        assert.deepStrictEqual(yield* json(response), {
          type: "about:blank",
          title: "Not Found",
          status: 404,
          code: "not_found",
          requestId: "req-test-00000001"
        })
      })
    )

    it.effect("a malformed request id is replaced by a generated one; security headers are set", () =>
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(
          HttpClientRequest.get("/health/live").pipe(HttpClientRequest.setHeader("x-request-id", "bad id\twith spaces"))
        )
        assert.match(response.headers["x-request-id"] ?? "", /^[0-9a-f-]{36}$/)
        assert.strictEqual(response.headers["x-content-type-options"], "nosniff")
        assert.strictEqual(response.headers["x-frame-options"], "DENY")
      })
    )

    it.effect("OpenAPI, docs and Prometheus metrics are served", () =>
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const spec = yield* client.get("/openapi.json").pipe(Effect.flatMap(json))
        assert.strictEqual(spec["openapi"], "3.1.0")
        assert.property(spec["paths"], "/health/ready")
        assert.strictEqual((yield* client.get("/docs")).status, 200)
        const metrics = yield* client.get("/metrics").pipe(Effect.flatMap((r) => r.text))
        assert.match(metrics, /http_requests_total\{[^}]*status="2xx"[^}]*\} \d+/)
        assert.match(metrics, /scheduler_job_runs_total\{[^}]*job="heartbeat"/)
      })
    )
  })
})
