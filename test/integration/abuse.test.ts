/**
 * Abuse suite (bounded, in `npm test`): every operation of the OpenAPI document is called with random and mutated
 * path parameters, queries, headers and bodies — as nobody, and as a logged-in member — well over 10,000 requests.
 * No answer may be a 5xx, every error must be the normalized problem body, and no response may carry a canary
 * secret. Then every tenant route is probed with another organisation's ids: nothing of theirs comes back.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import fc from "fast-check"
import { randomBytes } from "node:crypto"
import { call, json, signUpAndLogin, withoutRedirects } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

const CANARY_JWT = `abuse-canary-jwt-${randomBytes(16).toString("hex")}`
const CANARY_KEY = randomBytes(32).toString("base64")

interface Operation {
  readonly method: string
  readonly path: string
  readonly pathParams: ReadonlyArray<string>
  readonly queryParams: ReadonlyArray<string>
  readonly hasBody: boolean
}

const operationsOf = (spec: Record<string, unknown>): ReadonlyArray<Operation> => {
  const operations: Array<Operation> = []
  for (const [path, item] of Object.entries(spec["paths"] as Record<string, Record<string, unknown>>)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue
      const op = raw as { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
        hasBody: op.requestBody !== undefined
      })
    }
  }
  return operations
}

/** Values that break naive handlers: empty, huge, NUL, traversal, injection, unicode, numbers as text… */
const nasty = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "0",
    "-1",
    "null",
    "undefined",
    "true",
    "NaN",
    "1e309",
    "%00",
    "\u0000",
    "../../etc/passwd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "😀",
    "a".repeat(5000),
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "{{7*7}}",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: "${jndi:x}" is a Log4Shell-style probe; the literal "${…}" is the payload, not a template gone wrong
    "${jndi:x}"
  ),
  fc.string({ maxLength: 40 }),
  fc.uuid()
)

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v), type: "application/json" })),
  fc
    .dictionary(
      fc.constantFrom(
        "email",
        "password",
        "lines",
        "sku",
        "quantity",
        "name",
        "shop",
        "profileId",
        "connectionId",
        "clientId",
        "clientSecret",
        "accountNumber",
        "organizationName",
        "refreshToken",
        "role",
        "products",
        "from",
        "to",
        "parcel",
        "service"
      ),
      fc.oneof(nasty, fc.integer(), fc.jsonValue({ maxDepth: 2 }))
    )
    .map((v) => ({ text: JSON.stringify(v), type: "application/json" })),
  fc.string({ maxLength: 200 }).map((t) => ({ text: t, type: "application/json" })),
  fc.string({ maxLength: 200 }).map((t) => ({ text: t, type: "text/csv" })),
  fc.constantFrom(
    { text: "", type: "application/json" },
    { text: "{", type: "application/json" },
    { text: "[]", type: "application/xml" },
    { text: "a=b", type: "application/x-www-form-urlencoded" }
  )
)

const headerNoise = fc.record({
  idempotency: fc.option(nasty, { nil: undefined }),
  csrf: fc.option(fc.constantFrom("1", "0", ""), { nil: undefined }),
  accept: fc.constantFrom("application/json", "*/*", "text/html", "")
})

const isNormalizedProblem = (response: HttpClientResponse.HttpClientResponse, text: string) => {
  if (!(response.headers["content-type"] ?? "").includes("json")) return false
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>
    return (
      typeof parsed["code"] === "string" &&
      typeof parsed["status"] === "number" &&
      typeof parsed["requestId"] === "string"
    )
  } catch {
    return false
  }
}

describe("abuse suite", () => {
  layer(testApp({ JWT_SECRET: CANARY_JWT, ENCRYPTION_KEYS: `canary:${CANARY_KEY}`, LOG_LEVEL: "Error" }), {
    excludeTestServices: true,
    timeout: 240_000
  })("against the real app", (it) => {
    it.effect(
      "≥ 10,000 random and mutated requests over every operation: no 5xx, every error normalized, no canary in any response",
      () =>
        Effect.gen(function* () {
          const client = yield* HttpClient.HttpClient
          const spec = yield* client.get("/openapi.json").pipe(Effect.flatMap(json))
          const operations = operationsOf(spec)
          // 49 operations since the connect flows became one set of routes for every provider
          assert.isAtLeast(operations.length, 49, "the whole API is covered")
          const member = yield* signUpAndLogin("abuse-owner@example.com", "Abuse Co")
          const perOperation = Math.ceil(10_000 / operations.length)
          const failures: Array<string> = []
          let sent = 0
          let problems = 0
          for (const op of operations) {
            const samples = fc.sample(
              fc.record({
                params: fc.array(nasty, { minLength: op.pathParams.length, maxLength: op.pathParams.length }),
                query: fc.array(fc.tuple(fc.constantFrom(...op.queryParams, "x", "limit"), nasty), { maxLength: 3 }),
                body,
                headers: headerNoise,
                authenticated: fc.boolean()
              }),
              perOperation
            )
            yield* Effect.forEach(
              samples,
              (sample) =>
                Effect.gen(function* () {
                  let path = op.path
                  op.pathParams.forEach((name, i) => {
                    path = path.replace(`{${name}}`, encodeURIComponent(sample.params[i] ?? "").slice(0, 6000))
                  })
                  const query = new URLSearchParams(sample.query.map(([k, v]) => [k, v.slice(0, 2000)])).toString()
                  let request = HttpClientRequest.make(op.method as "GET")(`${path}${query === "" ? "" : `?${query}`}`)
                  if (op.hasBody || op.method !== "GET")
                    request = HttpClientRequest.bodyText(request, sample.body.text, sample.body.type)
                  if (sample.authenticated) request = HttpClientRequest.bearerToken(request, member.accessToken)
                  if (sample.headers.idempotency !== undefined)
                    request = HttpClientRequest.setHeader(
                      request,
                      "idempotency-key",
                      sample.headers.idempotency.replace(/[^\x20-\x7e]/g, "?").slice(0, 300)
                    )
                  if (sample.headers.csrf !== undefined)
                    request = HttpClientRequest.setHeader(request, "x-tradeport-csrf", sample.headers.csrf)
                  if (sample.headers.accept !== "")
                    request = HttpClientRequest.setHeader(request, "accept", sample.headers.accept)
                  const response = yield* withoutRedirects(HttpClient.execute(request))
                  const text = yield* response.text.pipe(Effect.orElseSucceed(() => ""))
                  sent++
                  const where = `${op.method} ${op.path} → ${response.status}`
                  if (response.status >= 500) failures.push(`${where}: ${text.slice(0, 200)}`)
                  else if (response.status >= 400) {
                    problems++
                    if (!isNormalizedProblem(response, text))
                      failures.push(`${where} not normalized: ${text.slice(0, 120)}`)
                  }
                  if (text.includes(CANARY_JWT) || text.includes(CANARY_KEY)) failures.push(`${where} leaked a canary`)
                }),
              { concurrency: 16, discard: true }
            )
          }
          assert.isAtLeast(sent, 10_000)
          assert.isAtLeast(problems, sent / 2, "most of this input is refused, and every refusal was checked")
          assert.deepStrictEqual(failures.slice(0, 20), [], `${failures.length} bad answers of ${sent}`)
        }),
      240_000
    ) // ~10,000 sequential requests: ~25 s on an idle 2-core machine, several times that on a loaded one

    it.effect(
      "every tenant route probed with another organisation's ids: refused, and nothing of theirs in the answer",
      () =>
        Effect.gen(function* () {
          const client = yield* HttpClient.HttpClient
          const operations = operationsOf(yield* client.get("/openapi.json").pipe(Effect.flatMap(json)))
          const owner = yield* signUpAndLogin("tenant-a@example.com", "Tenant A")
          const intruder = yield* signUpAndLogin("tenant-b@example.com", "Tenant B")
          // Tenant A's things: a product with stock, an order, a custom-source connection.
          yield* call("PUT", "/api/v1/products", {
            token: owner.accessToken,
            body: { products: [{ sku: "SECRET-SKU", name: "A's product" }] }
          })
          yield* call("POST", "/api/v1/inventory/bulk", {
            token: owner.accessToken,
            body: [{ sku: "SECRET-SKU", quantity: 5 }]
          })
          const order = String(
            (yield* call("POST", "/api/v1/orders", {
              token: owner.accessToken,
              body: { lines: [{ sku: "SECRET-SKU", quantity: 1 }] }
            }).pipe(Effect.flatMap(json)))["id"]
          )
          const source = yield* call("POST", "/api/v1/connections/custom", {
            token: owner.accessToken,
            body: { name: "A's source" }
          }).pipe(Effect.flatMap(json))
          const connection = String((source["connection"] as Record<string, unknown>)["id"])
          const ids = [order, connection, owner.userId]
          const probes = operations.filter((op) => op.path.startsWith("/api/") && op.pathParams.length > 0)
          assert.isAtLeast(probes.length, 15)
          const leaks: Array<string> = []
          for (const op of probes) {
            for (const id of ids) {
              let path = op.path
              for (const name of op.pathParams)
                path = path.replace(`{${name}}`, name === "carrier" ? "fedex" : name === "provider" ? "custom" : id)
              let request = HttpClientRequest.make(op.method as "GET")(path).pipe(
                HttpClientRequest.bearerToken(intruder.accessToken)
              )
              if (op.method !== "GET" && op.method !== "DELETE") request = HttpClientRequest.bodyJsonUnsafe(request, {})
              const response = yield* withoutRedirects(
                HttpClient.execute(
                  request.pipe(HttpClientRequest.setHeader("idempotency-key", `probe-${op.path}-${id}`))
                )
              )
              const text = yield* response.text
              if (response.status < 300 && !op.path.startsWith("/webhooks"))
                leaks.push(`${op.method} ${path} → ${response.status}`)
              if (text.includes("SECRET-SKU") || text.includes("A's source") || text.includes("A's product"))
                leaks.push(`${op.method} ${path} returned A's data`)
            }
          }
          assert.deepStrictEqual(leaks, [])
          // A still sees its own things.
          assert.strictEqual((yield* call("GET", `/api/v1/orders/${order}`, { token: owner.accessToken })).status, 200)
          assert.strictEqual(
            (yield* call("GET", `/api/v1/connections/${connection}`, { token: owner.accessToken })).status,
            200
          )
        })
    )
  })
})
