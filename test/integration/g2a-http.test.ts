/**
 * The G2A endpoints end to end: the HTTP app configured against the fake G2A (live environment, base URLs
 * without paths so normalisation applies), on real Postgres and Redis: readiness probe, products, the price/stock
 * check, order creation (admins, Idempotency-Key required and replayed) and the problem codes of the taxonomy.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Fiber, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { eventually, until } from "../support/Eventually.ts"
import { testApp } from "../support/TestApp.ts"
import { type FakeG2A, signWebhook, startFakeG2A } from "../fakes/FakeG2A.ts"
import * as Connections from "../../core/connections/Connections.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { Redacted } from "effect"

class G2AFake extends Context.Service<G2AFake, FakeG2A>()("test/G2AFake") {}

const CREDENTIALS = { apiKey: "http-test-key", apiHash: "http-test-hash-abcdef" }

const app = Layer.unwrap(
  Effect.gen(function* () {
    const fake = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startFakeG2A({
          ...CREDENTIALS,
          env: "live",
          products: [
            { id: "501", name: "Arcade Classic", qty: 5, minPrice: 12.5, currency: "EUR" },
            { id: "502", name: "Sold Out Saga", qty: 0, minPrice: 30, currency: "EUR" }
          ]
        })
      ),
      (f) => Effect.promise(f.close)
    )
    return testApp({
      G2A_API_KEY: CREDENTIALS.apiKey,
      G2A_API_HASH: CREDENTIALS.apiHash,
      G2A_ENV: "live",
      G2A_API_URL: fake.url,
      G2A_EXPORT_API_URL: fake.url,
      G2A_RETRY_MAX: "1",
      // Longer than any test holds a G2A answer back, however slow the machine (the abort test holds one).
      G2A_TIMEOUT_MS: "30000"
    }).pipe(Layer.provideMerge(Layer.succeed(G2AFake, fake)))
  })
)

/** A G2A webhook as G2A would send it, signed with the hash the organisation's G2A connection holds. */
const webhook = (
  path: string,
  apiHash: string,
  event: { readonly eventId: string; readonly orderId: string; readonly status: string }
) => {
  const body = JSON.stringify({
    event_id: event.eventId,
    type: "order.status",
    data: { order_id: event.orderId, status: event.status }
  })
  return HttpClient.execute(
    HttpClientRequest.post(path).pipe(
      HttpClientRequest.setHeaders(signWebhook(apiHash, body)),
      HttpClientRequest.bodyText(body, "application/json")
    )
  )
}

const order = (token: string, body: unknown, key?: string) => {
  let request = HttpClientRequest.post("/api/v1/g2a/orders").pipe(
    HttpClientRequest.bodyJsonUnsafe(body),
    HttpClientRequest.bearerToken(token)
  )
  if (key !== undefined) request = HttpClientRequest.setHeader(request, "idempotency-key", key)
  return HttpClient.execute(request)
}

describe("G2A over HTTP", () => {
  layer(app, { excludeTestServices: true, timeout: 60_000 })("against the fake G2A", (it) => {
    it.effect("readiness includes the G2A token probe", () =>
      Effect.gen(function* () {
        const body = yield* call("GET", "/health/ready").pipe(Effect.flatMap(json))
        assert.strictEqual((body["checks"] as Record<string, string>)["g2a"], "up")
        assert.match((body["details"] as Record<string, string>)["g2a"]!, /token ok \(live\)/)
      })
    )

    it.effect("lists and reads products; checks price and stock against an expectation", () =>
      Effect.gen(function* () {
        const { accessToken } = yield* signUpAndLogin("g2a-reader@example.com")
        const list = yield* call("GET", "/api/v1/g2a/products?minQty=1", { token: accessToken })
        assert.strictEqual(list.status, 200)
        const page = yield* json(list)
        assert.deepStrictEqual(
          (page["products"] as Array<Record<string, unknown>>).map((p) => p["id"]),
          ["501"]
        )
        const product = yield* call("GET", "/api/v1/g2a/products/501", { token: accessToken }).pipe(
          Effect.flatMap(json)
        )
        assert.strictEqual(product["price"], 12.5)
        assert.strictEqual(product["stock"], 5)
        const ok = yield* call("GET", "/api/v1/g2a/products/501/offer?price=12.50&quantity=2", { token: accessToken })
        assert.strictEqual(ok.status, 200)
        const changed = yield* call("GET", "/api/v1/g2a/products/501/offer?price=11", { token: accessToken })
        assert.strictEqual(changed.status, 409)
        const problem = yield* json(changed)
        assert.strictEqual(problem["code"], "price_changed")
        assert.match(String(problem["detail"]), /Current: 12.5 EUR, 5 in stock/)
        const missing = yield* call("GET", "/api/v1/g2a/products/999", { token: accessToken })
        assert.strictEqual(missing.status, 404)
        assert.strictEqual((yield* json(missing))["code"], "g2a_product_not_found")
        const bad = yield* call("GET", "/api/v1/g2a/products/..%2Fetc", { token: accessToken })
        assert.strictEqual(bad.status, 400)
        const unauthenticated = yield* call("GET", "/api/v1/g2a/products")
        assert.strictEqual(unauthenticated.status, 401)
      })
    )

    it.effect(
      "creates an order once per Idempotency-Key; admins only; key required; stock and price refusals are 409",
      () =>
        Effect.gen(function* () {
          const fake = yield* G2AFake
          const { accessToken } = yield* signUpAndLogin("g2a-buyer@example.com")
          const payload = { productId: "501", maxPrice: 15, currency: "EUR", expectedPrice: 12.5 }
          const noKey = yield* order(accessToken, payload)
          assert.strictEqual(noKey.status, 400)
          const first = yield* order(accessToken, payload, "g2a-order-1")
          assert.strictEqual(first.status, 201)
          const created = yield* json(first)
          const replay = yield* order(accessToken, payload, "g2a-order-1")
          assert.strictEqual(replay.status, 201)
          assert.deepStrictEqual(yield* json(replay), created)
          assert.strictEqual(fake.orders.length, 1, "the replay did not buy again")
          const reused = yield* order(accessToken, { ...payload, maxPrice: 16 }, "g2a-order-1")
          assert.strictEqual(reused.status, 422)
          const soldOut = yield* order(accessToken, { productId: "502", maxPrice: 40, currency: "EUR" }, "g2a-order-2")
          assert.strictEqual(soldOut.status, 409)
          assert.strictEqual((yield* json(soldOut))["code"], "out_of_stock")
          const tooCheap = yield* order(accessToken, { productId: "501", maxPrice: 10, currency: "EUR" }, "g2a-order-3")
          assert.strictEqual((yield* json(tooCheap))["code"], "price_changed")
          const invalid = yield* order(accessToken, { productId: "501", maxPrice: -5, currency: "EUR" }, "g2a-order-4")
          assert.strictEqual(invalid.status, 400)
          assert.strictEqual(fake.orders.length, 1)
        })
    )

    it.effect(
      "an order G2A may have created (5xx) is 409 g2a_order_outcome_unknown, and its key replays that answer",
      () =>
        Effect.gen(function* () {
          const fake = yield* G2AFake
          const { accessToken } = yield* signUpAndLogin("g2a-unknown@example.com")
          fake.failNext("/v1/order", { status: 502 })
          const payload = { productId: "501", maxPrice: 15, currency: "EUR" }
          const first = yield* order(accessToken, payload, "g2a-unknown-1")
          assert.strictEqual(first.status, 409)
          assert.strictEqual((yield* json(first))["code"], "g2a_order_outcome_unknown")
          const sent = fake.server.count((r) => r.path === "/v1/order")
          const again = yield* order(accessToken, payload, "g2a-unknown-1")
          assert.strictEqual((yield* json(again))["code"], "g2a_order_outcome_unknown")
          assert.strictEqual(
            fake.server.count((r) => r.path === "/v1/order"),
            sent,
            "the retry with the same key did not buy"
          )
        })
    )

    it.effect("G2A throttling and outages are 503 with Retry-After; bad credentials would be g2a_auth_failed", () =>
      Effect.gen(function* () {
        const fake = yield* G2AFake
        const { accessToken } = yield* signUpAndLogin("g2a-throttled@example.com")
        fake.failNext(
          "/v1/products",
          { status: 429, headers: { "retry-after": "0" } },
          { status: 429, headers: { "retry-after": "0" } }
        )
        const limited = yield* call("GET", "/api/v1/g2a/products", { token: accessToken })
        assert.strictEqual(limited.status, 503)
        assert.strictEqual((yield* json(limited))["code"], "g2a_rate_limited")
        assert.isDefined(limited.headers["retry-after"])
        fake.failNext("/v1/products", { status: 401, json: { code: "AUTH01" } })
        const auth = yield* call("GET", "/api/v1/g2a/products", { token: accessToken })
        assert.strictEqual(auth.status, 503)
        assert.strictEqual((yield* json(auth))["code"], "g2a_auth_failed")
      })
    )

    it.effect(
      "G2A order.status webhooks to the account URL move the purchase forward exactly once; stale, unknown, early and forged ones are handled",
      () =>
        Effect.gen(function* () {
          const { accessToken } = yield* signUpAndLogin("g2a-webhooks@example.com")
          const created = yield* order(
            accessToken,
            { productId: "501", maxPrice: 15, currency: "EUR" },
            "g2a-wh-1"
          ).pipe(Effect.flatMap(json))
          assert.strictEqual(created["status"], "pending")
          const orderId = String(created["externalOrderId"])
          // The deployment's G2A account sends to one URL; the purchase's organisation is found from the order id.
          const path = "/webhooks/g2a"
          const complete = { eventId: "g2a-evt-1", orderId, status: "complete" }
          const outcomes = yield* Effect.forEach(
            [1, 2, 3, 4, 5],
            () => webhook(path, CREDENTIALS.apiHash, complete).pipe(Effect.flatMap(json)),
            { concurrency: 5 }
          )
          assert.deepStrictEqual(outcomes.map((o) => o["outcome"]).sort(), [
            "applied",
            "duplicate",
            "duplicate",
            "duplicate",
            "duplicate"
          ])
          const listed = () =>
            call("GET", "/api/v1/g2a/orders", { token: accessToken }).pipe(
              Effect.flatMap(json),
              Effect.map((b) => b["orders"] as Array<Record<string, unknown>>)
            )
          assert.strictEqual((yield* listed())[0]!["status"], "complete")
          const stale = yield* webhook(path, CREDENTIALS.apiHash, {
            eventId: "g2a-evt-0",
            orderId,
            status: "pending"
          }).pipe(Effect.flatMap(json))
          assert.strictEqual(stale["outcome"], "ignored")
          assert.strictEqual((yield* listed())[0]!["status"], "complete", "a late 'pending' does not move it back")
          const refunded = yield* webhook(path, CREDENTIALS.apiHash, {
            eventId: "g2a-evt-2",
            orderId,
            status: "refunded"
          }).pipe(Effect.flatMap(json))
          assert.strictEqual(refunded["outcome"], "applied")
          const early = yield* webhook(path, CREDENTIALS.apiHash, {
            eventId: "g2a-evt-3",
            orderId: "77777777",
            status: "complete"
          })
          assert.strictEqual(early.status, 503, "an order not recorded yet: the sender retries later")
          const unknown = yield* webhook(path, CREDENTIALS.apiHash, {
            eventId: "g2a-evt-4",
            orderId,
            status: "teleported"
          }).pipe(Effect.flatMap(json))
          assert.strictEqual(unknown["outcome"], "failed")
          assert.strictEqual((yield* listed())[0]!["status"], "refunded")
          const noOrder = yield* HttpClient.execute(
            HttpClientRequest.post(path).pipe(
              HttpClientRequest.setHeaders(
                signWebhook(CREDENTIALS.apiHash, '{"event_id":"g2a-evt-6","type":"order.status","data":{}}')
              ),
              HttpClientRequest.bodyText('{"event_id":"g2a-evt-6","type":"order.status","data":{}}', "application/json")
            )
          )
          assert.strictEqual(noOrder.status, 400)
          const otherTopic = '{"event_id":"g2a-evt-7","type":"product.updated","data":{"product_id":"501"}}'
          const unrouted = yield* HttpClient.execute(
            HttpClientRequest.post(path).pipe(
              HttpClientRequest.setHeaders(signWebhook(CREDENTIALS.apiHash, otherTopic)),
              HttpClientRequest.bodyText(otherTopic, "application/json")
            )
          )
          assert.strictEqual(
            unrouted.status,
            200,
            "another topic from the account is acknowledged, not retried forever"
          )
          assert.strictEqual((yield* json(unrouted))["outcome"], "ignored")
          const forged = yield* webhook(path, "not-the-g2a-hash-at-all", {
            eventId: "g2a-evt-5",
            orderId,
            status: "canceled"
          })
          assert.strictEqual(forged.status, 401)
          const metrics = yield* call("GET", "/metrics").pipe(Effect.flatMap((r) => r.text))
          assert.match(metrics, /webhook_rejections_total\{[^}]*provider="g2a"[^}]*reason="signature"[^}]*\} [1-9]/)
          assert.match(
            metrics,
            /webhook_deliveries_total\{[^}]*outcome="applied"[^}]*provider="g2a"[^}]*\} [1-9]|webhook_deliveries_total\{[^}]*provider="g2a"[^}]*outcome="applied"[^}]*\} [1-9]/
          )
        })
    )

    it.effect(
      "a request interrupted while G2A is creating the order: the order is still recorded, and a retry with the key does not buy again",
      () =>
        Effect.gen(function* () {
          const fake = yield* G2AFake
          const { accessToken } = yield* signUpAndLogin("g2a-abort@example.com")
          const sent = () => fake.server.count((r) => r.path === "/v1/order")
          const before = sent()
          // G2A answers only when the test says so: the purchase is under way for as long as the test needs.
          let finishPurchase: () => void = () => undefined
          const purchased = new Promise<void>((resume) => {
            finishPurchase = resume
          })
          fake.failNext("/v1/order", {
            status: 200,
            json: { order_id: "5550001", price: 12.5, currency: "EUR" },
            after: purchased
          })
          const payload = { productId: "501", maxPrice: 15, currency: "EUR" }
          const first = yield* Effect.forkChild(order(accessToken, payload, "g2a-abort-1"))
          // Once G2A has the order, the key's provisional answer is stored (it is written before the call): then the
          // client hangs up mid-purchase, which interrupts the request's handler.
          yield* until("the purchase reached G2A", () => sent() > before)
          yield* Fiber.interrupt(first)
          const concurrent = yield* order(accessToken, payload, "g2a-abort-1")
          assert.strictEqual(
            concurrent.status,
            409,
            "while the purchase is under way the key answers 409, never a second purchase"
          )
          finishPurchase()
          // The recorded answer replaces the provisional one when G2A has answered; until then a retry replays 409.
          const retry = yield* eventually(
            "the purchase was recorded",
            order(accessToken, payload, "g2a-abort-1"),
            (r) => r.status !== 409,
            { everyMs: 50 }
          )
          assert.strictEqual(retry.status, 201)
          assert.strictEqual((yield* json(retry))["externalOrderId"], "5550001")
          assert.strictEqual(sent() - before, 1, "G2A was asked once")
        })
    )

    it.effect(
      "purchases belong to the account they were placed with: another G2A account's webhook for the same order id changes nothing",
      () =>
        Effect.gen(function* () {
          const { accessToken, organizationId } = yield* signUpAndLogin("g2a-accounts@example.com")
          const created = yield* order(
            accessToken,
            { productId: "501", maxPrice: 15, currency: "EUR" },
            "g2a-acct-1"
          ).pipe(Effect.flatMap(json))
          const orderId = String(created["externalOrderId"])
          // The organisation's own G2A account (a connection), signing with its own hash, reuses the order id.
          const ownHash = "the-organisations-own-g2a-hash"
          const connection = yield* Connections.connect({
            organizationId: OrgId.make(organizationId),
            actorUserId: undefined,
            provider: "g2a",
            externalAccount: "own-g2a",
            displayName: "Own G2A",
            credentials: Redacted.make({ webhookSecret: ownHash }),
            tokenExpiresAt: undefined
          })
          const other = yield* webhook(`/webhooks/g2a/${connection.id}`, ownHash, {
            eventId: "other-acct-1",
            orderId,
            status: "canceled"
          })
          assert.strictEqual(
            other.status,
            503,
            "no purchase of that account has this id: not applied to the deployment account's purchase"
          )
          const listed = yield* call("GET", "/api/v1/g2a/orders", { token: accessToken }).pipe(Effect.flatMap(json))
          assert.strictEqual((listed["orders"] as Array<Record<string, unknown>>)[0]!["status"], "pending")
        })
    )
  })
})
