/**
 * No secret reaches a log line: a full flow (sign-up, failed and successful logins, refresh, reuse, logout,
 * members, G2A token, calls and a signed webhook) runs with canary values for every secret at debug level, and
 * every line written is scanned.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { HttpClient, HttpClientRequest } from "effect/http"
import { signWebhook, startFakeG2A } from "../fakes/FakeG2A.ts"
import { call, json } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

const canaries = {
  JWT_SECRET: `canary-jwt-${randomBytes(16).toString("hex")}`,
  ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  PASSWORD: `canary-password-${randomBytes(8).toString("hex")}`,
  MEMBER_PASSWORD: `canary-member-${randomBytes(8).toString("hex")}`,
  G2A_API_KEY: `canary-g2a-key-${randomBytes(8).toString("hex")}`,
  G2A_API_HASH: `canary-g2a-hash-${randomBytes(8).toString("hex")}`
}

describe("secrets never reach the logs", () => {
  it.live("a full identity flow at debug level logs none of the canaries, tokens or passwords", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = (write: (...args: Array<unknown>) => void) => (...args: Array<unknown>) => {
        lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "))
        write(...args)
      }
      const original = { log: console.log, error: console.error, warn: console.warn, info: console.info, debug: console.debug }
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          console.log = capture(() => undefined)
          console.error = capture(() => undefined)
          console.warn = capture(() => undefined)
          console.info = capture(() => undefined)
          console.debug = capture(() => undefined)
        }),
        () => Effect.sync(() => Object.assign(console, original))
      )
      const tokens: Array<string> = []
      const g2a = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startFakeG2A({
            apiKey: canaries.G2A_API_KEY, apiHash: canaries.G2A_API_HASH, env: "live",
            products: [{ id: "1", name: "Canary Game", qty: 3, minPrice: 1, currency: "EUR" }]
          })
        ),
        (f) => Effect.promise(f.close)
      )
      yield* Effect.gen(function*() {
        const email = "canary@example.com"
        yield* call("POST", "/api/v1/auth/register", { body: { organizationName: "Canary", email, password: canaries.PASSWORD } })
        yield* call("POST", "/api/v1/auth/login", { body: { email, password: `${canaries.PASSWORD}-wrong` } })
        const session = yield* call("POST", "/api/v1/auth/login", { body: { email, password: canaries.PASSWORD } }).pipe(Effect.flatMap(json))
        tokens.push(String(session["accessToken"]), String(session["refreshToken"]))
        const access = String(session["accessToken"])
        yield* call("POST", "/api/v1/org/members", {
          token: access,
          body: { email: "canary-member@example.com", password: canaries.MEMBER_PASSWORD, role: "member" }
        })
        yield* call("GET", "/api/v1/me", { token: `${access}x` })
        const next = yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: session["refreshToken"] } }).pipe(Effect.flatMap(json))
        tokens.push(String(next["accessToken"]), String(next["refreshToken"]))
        yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: session["refreshToken"] } })
        yield* call("POST", "/api/v1/auth/logout", { body: { refreshToken: next["refreshToken"] } })
        // G2A: token fetch (readiness), hash-authenticated reads, an order, a signed webhook.
        yield* call("GET", "/health/ready")
        yield* call("GET", "/api/v1/g2a/products", { token: String(next["accessToken"]) })
        const body = JSON.stringify({ event_id: "canary-evt", type: "order.status", data: { order_id: "1", status: "complete" } })
        yield* HttpClient.execute(HttpClientRequest.post("/webhooks/g2a").pipe(
          HttpClientRequest.setHeaders(signWebhook(canaries.G2A_API_HASH, body)),
          HttpClientRequest.bodyText(body, "application/json")
        ))
      }).pipe(
        Effect.provide(Layer.fresh(testApp({
          LOG_LEVEL: "Debug",
          JWT_SECRET: canaries.JWT_SECRET,
          ENCRYPTION_KEYS: `canary:${canaries.ENCRYPTION_KEY}`,
          G2A_API_KEY: canaries.G2A_API_KEY,
          G2A_API_HASH: canaries.G2A_API_HASH,
          G2A_ENV: "live",
          G2A_API_URL: g2a.url,
          G2A_EXPORT_API_URL: g2a.url
        })))
      )
      const everything = lines.join("\n")
      assert.isAbove(lines.length, 10, "the flow was logged (the scan is not vacuous)")
      assert.include(everything, "http request")
      for (const [name, value] of Object.entries(canaries)) assert.notInclude(everything, value, `${name} leaked into the logs`)
      for (const token of tokens) assert.notInclude(everything, token, "a token leaked into the logs")
      assert.isAtLeast(g2a.tokens.length, 1, "the G2A token was fetched (the scan covers it)")
      assert.include(everything, "provider call", "G2A calls were logged")
      for (const token of g2a.tokens) assert.notInclude(everything, token, "a G2A token leaked into the logs")
    }).pipe(Effect.scoped), 60_000)
})
