/**
 * The G2A smoke (seed T13 / FR-009): token → product and price → order create → a signed G2A webhook → the same
 * webhook again changes nothing. Each step is one test, in order, so the run prints the steps and a pass/fail
 * summary.
 *
 * `npm run smoke:g2a` runs it against the real G2A sandbox when G2A_API_KEY and G2A_API_HASH are set (with
 * G2A_ENV, G2A_API_URL, G2A_EXPORT_API_URL and G2A_SMOKE_PRODUCT_ID / G2A_SMOKE_MAX_PRICE if needed), and
 * against the fake G2A otherwise. Inside `npm test` it always uses the fake.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { signWebhook, startFakeG2A } from "../fakes/FakeG2A.ts"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

const real =
  process.env["G2A_SMOKE_USE_ENV"] === "1" &&
  process.env["G2A_API_KEY"] !== undefined &&
  (process.env["G2A_API_HASH"] ?? process.env["G2A_API_SECRET"]) !== undefined

class Target extends Context.Service<
  Target,
  {
    readonly label: string
    readonly apiHash: string
    readonly productId: string
    readonly maxPrice: number
  }
>()("test/G2ASmokeTarget") {}

const FAKE = { apiKey: "smoke-key", apiHash: "smoke-hash-0123456789", productId: "900001", price: 9.99 }

const app = Layer.unwrap(
  Effect.gen(function* () {
    if (real) {
      const env = Object.fromEntries(
        [
          "G2A_API_KEY",
          "G2A_API_HASH",
          "G2A_API_SECRET",
          "G2A_ENV",
          "G2A_API_URL",
          "G2A_EXPORT_API_URL",
          "G2A_TIMEOUT_MS",
          "G2A_RETRY_MAX"
        ].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]]))
      )
      return testApp(env).pipe(
        Layer.provideMerge(
          Layer.succeed(Target, {
            label: `G2A ${process.env["G2A_ENV"] ?? "sandbox"}`,
            apiHash: process.env["G2A_API_HASH"] ?? process.env["G2A_API_SECRET"]!,
            productId: process.env["G2A_SMOKE_PRODUCT_ID"] ?? "",
            maxPrice: Number(process.env["G2A_SMOKE_MAX_PRICE"] ?? "100")
          })
        )
      )
    }
    const fake = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startFakeG2A({
          apiKey: FAKE.apiKey,
          apiHash: FAKE.apiHash,
          env: "sandbox",
          products: [{ id: FAKE.productId, name: "Smoke Test Game", qty: 10, minPrice: FAKE.price, currency: "EUR" }]
        })
      ),
      (f) => Effect.promise(f.close)
    )
    return testApp({
      G2A_API_KEY: FAKE.apiKey,
      G2A_API_HASH: FAKE.apiHash,
      G2A_ENV: "sandbox",
      G2A_API_URL: fake.url,
      G2A_EXPORT_API_URL: fake.url
    }).pipe(
      Layer.provideMerge(
        Layer.succeed(Target, { label: "fake G2A", apiHash: FAKE.apiHash, productId: FAKE.productId, maxPrice: 20 })
      )
    )
  })
)

/** What the steps hand each other. */
const state: { token?: string; productId?: string; price?: number; orderId?: string; webhookPath?: string } = {}

const sendStatus = (status: string) => {
  const body = JSON.stringify({
    event_id: `smoke-${state.orderId}-${status}`,
    type: "order.status",
    data: { order_id: state.orderId, status }
  })
  return Effect.gen(function* () {
    const target = yield* Target
    return yield* HttpClient.execute(
      HttpClientRequest.post(state.webhookPath!).pipe(
        HttpClientRequest.setHeaders(signWebhook(target.apiHash, body)),
        HttpClientRequest.bodyText(body, "application/json")
      )
    ).pipe(Effect.flatMap(json))
  })
}

describe(`G2A smoke (${real ? "G2A from the environment" : "fake G2A"})`, () => {
  layer(app, { excludeTestServices: true, timeout: 120_000 })(
    "token → product/price → order → webhook → idempotency",
    (it) => {
      it.effect("1. token: the readiness probe fetched and cached the Import API token", () =>
        Effect.gen(function* () {
          const body = yield* call("GET", "/health/ready").pipe(Effect.flatMap(json))
          const checks = body["checks"] as Record<string, string>
          assert.strictEqual(checks["g2a"], "up", JSON.stringify(body["details"]))
          const session = yield* signUpAndLogin("g2a-smoke@example.com")
          state.token = session.accessToken
        })
      )

      it.effect("2. product and price: a product in stock, and its price confirmed by the offer check", () =>
        Effect.gen(function* () {
          const target = yield* Target
          const path =
            target.productId === "" ? "/api/v1/g2a/products?minQty=1" : `/api/v1/g2a/products/${target.productId}`
          const body = yield* call("GET", path, { token: state.token! }).pipe(Effect.flatMap(json))
          const product = (body["products"] as Array<Record<string, unknown>> | undefined)?.[0] ?? body
          assert.isString(product["id"], JSON.stringify(body))
          state.productId = String(product["id"])
          state.price = Number(product["price"])
          const offer = yield* call(
            "GET",
            `/api/v1/g2a/products/${state.productId}/offer?price=${state.price}&quantity=1`,
            { token: state.token! }
          )
          assert.strictEqual(offer.status, 200)
        })
      )

      it.effect("3. order create: bought at the confirmed price, recorded as pending", () =>
        Effect.gen(function* () {
          const target = yield* Target
          const response = yield* HttpClient.execute(
            HttpClientRequest.post("/api/v1/g2a/orders").pipe(
              HttpClientRequest.bearerToken(state.token!),
              HttpClientRequest.setHeader("idempotency-key", `smoke-${Date.now()}`),
              HttpClientRequest.bodyJsonUnsafe({
                productId: state.productId,
                maxPrice: Math.max(target.maxPrice, state.price!),
                currency: "EUR",
                expectedPrice: state.price
              })
            )
          )
          const body = yield* json(response)
          assert.strictEqual(response.status, 201, JSON.stringify(body))
          assert.strictEqual(body["status"], "pending")
          state.orderId = String(body["externalOrderId"])
        })
      )

      it.effect("4. webhook: a signed order.status 'complete' is applied", () =>
        Effect.gen(function* () {
          state.webhookPath = "/webhooks/g2a"
          const result = yield* sendStatus("complete")
          assert.strictEqual(result["outcome"], "applied", JSON.stringify(result))
        })
      )

      it.effect("5. idempotency: the same webhook again is a no-op and the purchase is complete once", () =>
        Effect.gen(function* () {
          const again = yield* sendStatus("complete")
          assert.strictEqual(again["outcome"], "duplicate")
          const body = yield* call("GET", "/api/v1/g2a/orders", { token: state.token! }).pipe(Effect.flatMap(json))
          const orders = body["orders"] as Array<Record<string, unknown>>
          assert.strictEqual(orders.length, 1)
          assert.strictEqual(orders[0]!["status"], "complete")
        })
      )
    }
  )
})
