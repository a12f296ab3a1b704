/**
 * The G2A adapter against the fake G2A over real HTTP, with tokens cached in the real Redis (seed T12): URL
 * normalisation, token fetch + cache + refresh when < 5 minutes remain, refresh once on a 401, product list and
 * detail, order creation with price/stock expectations, the error taxonomy, and bad credentials failing fast.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Option, Redacted, type Scope } from "effect"
import { HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { randomUUID } from "node:crypto"
import { G2AClient } from "../../adapters/providers/g2a/G2AClient.ts"
import * as G2AConfig from "../../adapters/providers/g2a/G2AConfig.ts"
import { defaultOptions, TokenManager } from "../../core/connections/TokenManager.ts"
import type { DistributedLock } from "../../core/connections/ports/DistributedLock.ts"
import type { TokenCache } from "../../core/connections/ports/TokenCache.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisDistributedLock from "../../adapters/redis/RedisDistributedLock.ts"
import * as RedisTokenCache from "../../adapters/redis/RedisTokenCache.ts"
import { freePort } from "../support/RedisServer.ts"
import { TestVault } from "../support/TokenStack.ts"
import { type FakeG2A, type FakeG2AOptions, startFakeG2A } from "../fakes/FakeG2A.ts"
import { providerClient } from "../support/ProviderStack.ts"
import { sharedStores } from "../support/TokenStack.ts"
import { G2ALive } from "../../apps/shared/G2A.ts"
import { Readiness } from "../../core/ops/Readiness.ts"

const CREDENTIALS = { apiKey: "g2a-test-key", apiHash: "g2a-test-hash-0123456789" }

const PRODUCTS = [
  { id: "10000068865001", name: "Cyber Quest GLOBAL", qty: 12, minPrice: 19.99, currency: "EUR" },
  { id: "10000068865002", name: "Space Farm EU", qty: 0, minPrice: 4.5, currency: "EUR" },
  { id: "10000068865003", name: "Racing Pro", qty: 3, minPrice: 39.0, currency: "EUR" }
]

const fake = (options: Partial<FakeG2AOptions> = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeG2A({ ...CREDENTIALS, env: "live", products: PRODUCTS, ...options })),
    (f) => Effect.promise(f.close)
  )

/** Loads settings through the real config path (normalisation included) from env-style values. */
const settingsFor = (env: Record<string, string>) =>
  G2AConfig.load("test").pipe(
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Effect.map(({ problems, settings }) => {
      assert.deepStrictEqual(problems, [])
      return Option.getOrThrow(settings)
    })
  )

const envFor = (g2a: FakeG2A, overrides: Record<string, string> = {}) => ({
  G2A_API_KEY: CREDENTIALS.apiKey,
  G2A_API_HASH: CREDENTIALS.apiHash,
  G2A_ENV: "live",
  // No path on purpose: normalisation appends /integration-api/v1 and /v1.
  G2A_API_URL: g2a.url,
  G2A_EXPORT_API_URL: g2a.url,
  G2A_TIMEOUT_MS: "2000",
  G2A_RETRY_MAX: "2",
  ...overrides
})

/** A "process": its own TokenManager over the shared Redis stores under `prefix` (or a Redis that is down). */
const g2aStack = (
  settings: G2AConfig.G2ASettings,
  prefix: string,
  stores: Layer.Layer<TokenCache | DistributedLock> = sharedStores(prefix)
) =>
  G2AClient.layer(settings).pipe(
    Layer.provide(TokenManager.layer(defaultOptions)),
    Layer.provide(stores),
    Layer.provide(
      providerClient({
        timeout: Duration.seconds(2),
        retries: 2,
        baseDelay: Duration.millis(10),
        maxDelay: Duration.millis(200)
      })
    )
  )

const withG2A = <A, E>(
  body: (g2a: FakeG2A, settings: G2AConfig.G2ASettings, prefix: string) => Effect.Effect<A, E, G2AClient | Scope.Scope>,
  options: { readonly fake?: Partial<FakeG2AOptions>; readonly env?: Record<string, string> } = {}
) =>
  Effect.gen(function* () {
    const g2a = yield* fake(options.fake)
    const settings = yield* settingsFor(envFor(g2a, options.env))
    const prefix = `g2a-test:${randomUUID()}:`
    return yield* body(g2a, settings, prefix).pipe(Effect.provide(Layer.fresh(g2aStack(settings, prefix))))
  }).pipe(Effect.scoped)

/** Runs `use` with the client of another "process" while that process is up. */
const inProcess = <A, E>(
  stack: Layer.Layer<G2AClient, unknown>,
  use: (client: G2AClient["Service"]) => Effect.Effect<A, E>
) => Effect.service(G2AClient).pipe(Effect.flatMap(use), Effect.provide(Layer.fresh(stack)))

const tokenRequests = (g2a: FakeG2A) => g2a.server.count((r) => r.path.endsWith("/token"))

describe("G2A adapter against the fake G2A", () => {
  it.live("normalises base URLs: the Import API gets /integration-api/v1, the Export API /v1", () =>
    withG2A((g2a, settings) =>
      Effect.sync(() => {
        assert.strictEqual(settings.importUrl, `${g2a.url}/integration-api/v1`)
        assert.strictEqual(settings.exportUrl, `${g2a.url}/v1`)
      })
    )
  )

  it.live("fetches the token once with hash auth and serves it from cache; another process reads it from Redis", () =>
    withG2A((g2a, settings, prefix) =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        const [a, b] = yield* Effect.all([client.token, client.token], { concurrency: 2 })
        assert.strictEqual(Redacted.value(a), Redacted.value(b))
        assert.strictEqual(tokenRequests(g2a), 1)
        const request = g2a.server.requests.find((r) => r.path.endsWith("/token"))!
        assert.strictEqual(request.path, "/integration-api/v1/token")
        assert.strictEqual(request.headers["x-api-key"], CREDENTIALS.apiKey)
        assert.match(String(request.headers["x-g2a-hash"]), /^[0-9a-f]{64}$/)
        const c = yield* inProcess(g2aStack(settings, prefix), (other) => other.token)
        assert.strictEqual(Redacted.value(c), Redacted.value(a))
        assert.strictEqual(tokenRequests(g2a), 1, "the second process used the Redis-cached token")
      })
    )
  )

  // On the TestClock: token lifetimes are Clock time, so "fresh" cannot turn stale while a slow machine is between two
  // reads. The clock starts at the real time: G2A checks its signed timestamps against that.
  it.effect("refreshes when less than 5 minutes remain", () =>
    Effect.andThen(
      TestClock.setTime(Date.now()),
      withG2A(
        (g2a) =>
          Effect.gen(function* () {
            const client = yield* G2AClient
            yield* client.token
            yield* client.token
            assert.strictEqual(tokenRequests(g2a), 1, "fresh: served from cache")
            // The first token lived 301 s: 1.5 s later it has < 5 min left and the next read refreshes it.
            yield* TestClock.adjust("1500 millis")
            g2a.setExpiresIn(3600)
            yield* client.token
            assert.strictEqual(tokenRequests(g2a), 2)
            yield* client.token
            assert.strictEqual(tokenRequests(g2a), 2)
          }),
        { fake: { expiresIn: 301 } }
      )
    )
  )

  it.live("an Import API 401 refreshes the token once and retries once", () =>
    withG2A((g2a) =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        const offers = () =>
          client.importApi(
            (base) => HttpClientRequest.get(`${base}/offers`),
            "/offers",
            (r) => Effect.succeed(r.status)
          )
        assert.strictEqual(yield* offers(), 200)
        g2a.revokeTokens()
        assert.strictEqual(yield* offers(), 200)
        assert.strictEqual(tokenRequests(g2a), 2)
        assert.strictEqual(
          g2a.server.count((r) => r.path.endsWith("/offers")),
          3
        )
      })
    )
  )

  it.live("wrong credentials fail fast and typed: one request, no retries, kind auth", () =>
    withG2A(
      (g2a) =>
        Effect.gen(function* () {
          const client = yield* G2AClient
          const error = yield* Effect.flip(client.token)
          assert.strictEqual(error.kind, "auth")
          assert.strictEqual(tokenRequests(g2a), 1)
          const products = yield* Effect.flip(client.listProducts({}))
          assert.strictEqual(products.kind, "auth")
        }),
      { env: { G2A_API_HASH: "not-the-hash" } }
    )
  )

  it.live('sandbox uses Authorization: "{hash}, {key}" and /v1 for both APIs', () =>
    withG2A(
      (g2a, settings) =>
        Effect.gen(function* () {
          assert.strictEqual(settings.importUrl, `${g2a.url}/v1`)
          const client = yield* G2AClient
          yield* client.token
          const page = yield* client.listProducts({})
          assert.strictEqual(page.total, 3)
          const request = g2a.server.requests.find((r) => r.path === "/v1/products")!
          assert.strictEqual(request.headers["authorization"], `${CREDENTIALS.apiHash}, ${CREDENTIALS.apiKey}`)
        }),
      { fake: { env: "sandbox" }, env: { G2A_ENV: "sandbox" } }
    )
  )

  it.live("lists, filters and reads products mapped to our model", () =>
    withG2A(() =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        const page = yield* client.listProducts({ minQty: 1 })
        assert.deepStrictEqual(
          page.products.map((p) => p.id),
          ["10000068865001", "10000068865003"]
        )
        const product = yield* client.getProduct("10000068865001")
        assert.strictEqual(product.price, 19.99)
        assert.strictEqual(product.stock, 12)
        assert.strictEqual(product.currency, "EUR")
        const missing = yield* Effect.flip(client.getProduct("999"))
        assert.strictEqual(missing.kind, "not_found")
        const bad = yield* Effect.flip(client.getProduct("../etc"))
        assert.strictEqual(bad.kind, "validation")
      })
    )
  )

  it.live("price and stock checks report a mismatch instead of accepting it", () =>
    withG2A(() =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        const ok = yield* client.checkOffer("10000068865001", { price: 19.99, quantity: 2 })
        assert.strictEqual(ok.stock, 12)
        const changed = yield* Effect.flip(client.checkOffer("10000068865001", { price: 18.5 }))
        assert.strictEqual(changed.kind, "price_changed")
        assert.deepStrictEqual(changed.current, { price: 19.99, stock: 12, currency: "EUR" })
        const short = yield* Effect.flip(client.checkOffer("10000068865003", { quantity: 4 }))
        assert.strictEqual(short.kind, "out_of_stock")
      })
    )
  )

  it.live("creates an order; out of stock, price changed and invalid payloads never reach G2A's order endpoint", () =>
    withG2A((g2a) =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        const order = yield* client.createOrder({
          productId: "10000068865001",
          maxPrice: 25,
          currency: "EUR",
          expectedPrice: 19.99
        })
        assert.strictEqual(order.price, 19.99)
        assert.strictEqual(g2a.orders.length, 1)
        assert.strictEqual(g2a.products.get("10000068865001")!.qty, 11)
        const orderCalls = () => g2a.server.count((r) => r.path === "/v1/order")
        assert.strictEqual(
          (yield* Effect.flip(client.createOrder({ productId: "10000068865002", maxPrice: 10, currency: "EUR" }))).kind,
          "out_of_stock"
        )
        assert.strictEqual(
          (yield* Effect.flip(client.createOrder({ productId: "10000068865001", maxPrice: 15, currency: "EUR" }))).kind,
          "price_changed"
        )
        assert.strictEqual(
          (yield* Effect.flip(
            client.createOrder({ productId: "10000068865001", maxPrice: 25, currency: "EUR", expectedPrice: 17 })
          )).kind,
          "price_changed"
        )
        assert.strictEqual(
          (yield* Effect.flip(client.createOrder({ productId: "10000068865001", maxPrice: -1, currency: "EUR" }))).kind,
          "validation"
        )
        assert.strictEqual(
          (yield* Effect.flip(client.createOrder({ productId: "10000068865001", maxPrice: 25, currency: "euro" })))
            .kind,
          "validation"
        )
        assert.strictEqual(orderCalls(), 1)
      })
    )
  )

  it.live("429 with Retry-After and 5xx are retried on reads; an order POST that got a 5xx is not sent again", () =>
    withG2A((g2a) =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        g2a.failNext(
          "/v1/products",
          { status: 429, headers: { "retry-after": "0" }, json: { code: "BR03" } },
          { status: 503 }
        )
        const page = yield* client.listProducts({})
        assert.strictEqual(page.total, 3)
        assert.strictEqual(
          g2a.server.count((r) => r.path === "/v1/products"),
          3
        )
        g2a.failNext("/v1/order", { status: 502 })
        const error = yield* Effect.flip(
          client.createOrder({ productId: "10000068865003", maxPrice: 50, currency: "EUR" })
        )
        assert.strictEqual(error.kind, "outcome_unknown")
        assert.strictEqual(
          g2a.server.count((r) => r.path === "/v1/order"),
          1,
          "never sent twice: it may have been created"
        )
        g2a.failNext(
          "/v1/products",
          ...Array.from({ length: 3 }, () => ({ status: 429, headers: { "retry-after": "0" } }))
        )
        const limited = yield* Effect.flip(client.listProducts({}))
        assert.strictEqual(limited.kind, "rate_limited")
      })
    )
  )

  it.live("a rotated API key never reads the previous key's cached token", () =>
    withG2A((g2a, settings, prefix) =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        const first = yield* client.token
        const again = yield* inProcess(g2aStack(settings, prefix), (same) => same.token)
        assert.strictEqual(Redacted.value(again), Redacted.value(first), "same credentials: the cached token")
        const rotatedHash = { ...settings, apiHash: Redacted.make("g2a-rotated-hash") }
        const afterRotation = yield* inProcess(g2aStack(rotatedHash, prefix), (rotated) => Effect.flip(rotated.token))
        assert.strictEqual(
          afterRotation.kind,
          "auth",
          "a new hash is not served the old token: it asks G2A (which refuses this one)"
        )
        assert.strictEqual(tokenRequests(g2a), 2)
        const otherFake = yield* fake({ apiKey: "g2a-rotated-key" })
        const otherSettings = yield* settingsFor(envFor(otherFake, { G2A_API_KEY: "g2a-rotated-key" }))
        yield* inProcess(g2aStack(otherSettings, prefix), (other) => other.token)
        assert.strictEqual(tokenRequests(otherFake), 1, "a new key fetched its own token")
        assert.strictEqual(tokenRequests(g2a), 2)
      })
    )
  )

  it.live(
    "a G2A that never answers: reads end unavailable after the timeout; an order ends outcome_unknown, sent once",
    () =>
      withG2A(
        (g2a) =>
          Effect.gen(function* () {
            const client = yield* G2AClient
            g2a.failNext("/v1/products", { hang: true })
            const started = Date.now()
            const read = yield* Effect.flip(client.listProducts({}))
            assert.strictEqual(read.kind, "unavailable")
            assert.isBelow(Date.now() - started, 5000, "bounded by G2A_TIMEOUT_MS, not hanging")
            g2a.failNext("/v1/order", { hang: true })
            const created = yield* Effect.flip(
              client.createOrder({ productId: "10000068865003", maxPrice: 50, currency: "EUR" })
            )
            assert.strictEqual(created.kind, "outcome_unknown")
            assert.strictEqual(
              g2a.server.count((r) => r.path === "/v1/order"),
              1
            )
          }),
        { env: { G2A_TIMEOUT_MS: "1000", G2A_RETRY_MAX: "0" } }
      )
  )

  it.live("a 4xx is never retried", () =>
    withG2A((g2a) =>
      Effect.gen(function* () {
        const client = yield* G2AClient
        g2a.failNext("/v1/products", { status: 400, json: { code: "VAL01" } })
        const error = yield* Effect.flip(client.listProducts({}))
        assert.strictEqual(error.kind, "validation")
        assert.strictEqual(error.code, "VAL01")
        assert.strictEqual(
          g2a.server.count((r) => r.path === "/v1/products"),
          1
        )
      })
    )
  )

  it.live(
    "with Redis down the token is fetched on demand (and still shared within the process)",
    () =>
      Effect.gen(function* () {
        const g2a = yield* fake()
        const settings = yield* settingsFor(envFor(g2a))
        const port = yield* Effect.promise(() => freePort())
        const deadStores = Layer.mergeAll(RedisTokenCache.layer("dead:"), RedisDistributedLock.layer("dead:")).pipe(
          Layer.provide(
            RedisConnection.layer({
              url: Redacted.make(`redis://127.0.0.1:${port}`),
              commandTimeout: Duration.millis(300)
            })
          ),
          Layer.provide(TestVault)
        )
        yield* Effect.gen(function* () {
          const client = yield* G2AClient
          const [a, b] = yield* Effect.all([client.token, client.token], { concurrency: 2 })
          assert.strictEqual(Redacted.value(a), Redacted.value(b))
          const status = yield* client.importApi(
            (base) => HttpClientRequest.get(`${base}/offers`),
            "/offers",
            (r) => Effect.succeed(r.status)
          )
          assert.strictEqual(status, 200)
          assert.strictEqual(tokenRequests(g2a), 1, "one fetch served the concurrent reads and the Import API call")
        }).pipe(Effect.provide(Layer.fresh(g2aStack(settings, "dead:", deadStores))))
      }).pipe(Effect.scoped),
    20_000
  )

  it.live(
    "G2A_VERIFY_ON_START (production's default): refused credentials stop startup; an unreachable G2A only degrades readiness",
    () =>
      Effect.gen(function* () {
        const g2a = yield* fake()
        const boot = (overrides: Record<string, string>) =>
          Effect.service(Readiness).pipe(
            Effect.flatMap((readiness) => readiness.report),
            Effect.provide(
              Layer.fresh(
                G2ALive.pipe(
                  Layer.provideMerge(Readiness.layer("5 seconds")),
                  Layer.provide(TokenManager.layer(defaultOptions)),
                  Layer.provide(sharedStores(`g2a-boot:${randomUUID()}:`)),
                  Layer.provide(
                    providerClient({
                      timeout: Duration.millis(500),
                      retries: 0,
                      baseDelay: Duration.millis(10),
                      maxDelay: Duration.millis(50)
                    })
                  ),
                  Layer.provide(
                    ConfigProvider.layer(
                      ConfigProvider.fromUnknown({
                        APP_ENV: "test",
                        G2A_VERIFY_ON_START: "true",
                        ...envFor(g2a),
                        ...overrides
                      })
                    )
                  )
                )
              )
            )
          )
        const refused = yield* Effect.flip(boot({ G2A_API_HASH: "wrong-hash" }))
        if (refused._tag !== "StartupError") return assert.fail(`expected a StartupError, got ${refused._tag}`)
        assert.match(refused.problems.join("; "), /G2A refused the credentials/)
        const healthy = yield* boot({})
        assert.strictEqual(healthy.checks["g2a"], "up")
        const port = yield* Effect.promise(() => freePort())
        const unreachable = yield* boot({
          G2A_API_URL: `http://127.0.0.1:${port}`,
          G2A_EXPORT_API_URL: `http://127.0.0.1:${port}`
        })
        assert.strictEqual(unreachable.checks["g2a"], "degraded")
        assert.strictEqual(unreachable.status, "degraded")
      }).pipe(Effect.scoped),
    30_000
  )
})
