/**
 * G2A, pure parts (seed T11): base URL validation per API and environment, configuration problems, hash auth,
 * response mappers, price/stock expectations, the error taxonomy, and the webhook signature policy against
 * ≥ 1000 mutated deliveries with zero false accepts.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Effect, Exit, Option, Redacted, Result } from "effect"
import fc from "fast-check"
import { createHash } from "node:crypto"
import {
  authHash,
  checkOffer,
  fromProviderError,
  hashAuthHeaders,
  toProduct,
  validateOrder
} from "../../adapters/providers/g2a/G2AContract.ts"
import * as G2AConfig from "../../adapters/providers/g2a/G2AConfig.ts"
import * as G2AWebhook from "../../adapters/providers/g2a/webhook.ts"
import { ProviderError } from "../../core/providers/ProviderError.ts"
import { signWebhook } from "../fakes/FakeG2A.ts"

const normalize = (raw: string, api: G2AConfig.G2AApi, env: G2AConfig.G2AEnv, allowLoopbackHttp = false) =>
  G2AConfig.normalizeBaseUrl("G2A_API_URL", raw, { api, env, allowLoopbackHttp })

describe("G2A base URL validation", () => {
  const accepted: ReadonlyArray<readonly [string, G2AConfig.G2AApi, G2AConfig.G2AEnv, string]> = [
    ["https://api.g2a.com", "import", "live", "https://api.g2a.com/integration-api/v1"],
    ["https://api.g2a.com/", "import", "live", "https://api.g2a.com/integration-api/v1"],
    ["https://api.g2a.com/integration-api", "import", "live", "https://api.g2a.com/integration-api/v1"],
    ["https://api.g2a.com/integration-api/v1", "import", "live", "https://api.g2a.com/integration-api/v1"],
    ["https://api.g2a.com/integration-api/v1/", "import", "live", "https://api.g2a.com/integration-api/v1"],
    ["  https://api.g2a.com/integration-api/v1  ", "import", "live", "https://api.g2a.com/integration-api/v1"],
    ["https://api.g2a.com", "export", "live", "https://api.g2a.com/v1"],
    ["https://api.g2a.com/v1", "export", "live", "https://api.g2a.com/v1"],
    ["https://sandboxapi.g2a.com", "import", "sandbox", "https://sandboxapi.g2a.com/v1"],
    ["https://sandboxapi.g2a.com/v1", "export", "sandbox", "https://sandboxapi.g2a.com/v1"],
    ["https://API.G2A.COM:443/integration-api/v1", "import", "live", "https://api.g2a.com/integration-api/v1"]
  ]
  for (const [raw, api, env, expected] of accepted) {
    it(`${env} ${api}: ${raw.trim()} → ${expected}`, () => {
      const result = normalize(raw, api, env)
      assert.isTrue(Result.isSuccess(result), Result.isFailure(result) ? result.failure : "")
      if (Result.isSuccess(result)) assert.strictEqual(result.success, expected)
    })
  }

  const refused: ReadonlyArray<readonly [string, G2AConfig.G2AApi, G2AConfig.G2AEnv, RegExp]> = [
    ["http://api.g2a.com/integration-api/v1", "import", "live", /must use https/],
    ["not a url", "import", "live", /not a valid URL/],
    ["ftp://api.g2a.com", "import", "live", /must use https/],
    ["https://api.g2a.com/v1", "import", "live", /Export API/],
    ["https://api.g2a.com/integration-api/v2", "import", "live", /served under \/integration-api\/v1/],
    ["https://api.g2a.com/other", "export", "live", /served under \/v1/],
    ["https://sandboxapi.g2a.com/v1", "import", "live", /sandbox host/],
    ["https://api.g2a.com/v1", "export", "sandbox", /live host/],
    ["https://api.g2a.com./v1", "export", "sandbox", /live host/],
    ["https://sandboxapi.g2a.com./v1", "import", "live", /sandbox host/],
    ["https://user:pass@api.g2a.com/integration-api/v1", "import", "live", /credentials/],
    ["https://api.g2a.com/integration-api/v1?x=1", "import", "live", /query string/],
    ["https://api.g2a.com/integration-api/v1#frag", "import", "live", /fragment/],
    ["http://127.0.0.1:8080", "import", "live", /must use https/]
  ]
  for (const [raw, api, env, reason] of refused) {
    it(`${env} ${api}: refuses ${raw}`, () => {
      const result = normalize(raw, api, env)
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) assert.match(result.failure, reason)
    })
  }

  it("plain http is accepted on loopback only when allowed (development fakes)", () => {
    const result = normalize("http://127.0.0.1:8080", "import", "live", true)
    assert.isTrue(Result.isSuccess(result) && result.success === "http://127.0.0.1:8080/integration-api/v1")
    assert.isTrue(Result.isFailure(normalize("http://10.0.0.5:8080", "import", "live", true)))
  })
})

describe("G2A configuration", () => {
  const load = (appEnv: "development" | "test" | "production", env: Record<string, string>) =>
    Effect.runSync(G2AConfig.load(appEnv).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))))

  it("is off without G2A_API_KEY", () => {
    const { problems, settings } = load("production", {})
    assert.deepStrictEqual(problems, [])
    assert.isTrue(Option.isNone(settings))
  })

  it("defaults to sandbox outside production, with the sandbox URLs", () => {
    const { settings } = load("development", { G2A_API_KEY: "k", G2A_API_HASH: "h" })
    const value = Option.getOrThrow(settings)
    assert.strictEqual(value.env, "sandbox")
    assert.strictEqual(value.importUrl, "https://sandboxapi.g2a.com/v1")
    assert.strictEqual(value.exportUrl, "https://sandboxapi.g2a.com/v1")
  })

  it("accepts the legacy G2A_API_SECRET as the hash", () => {
    const { settings } = load("development", { G2A_API_KEY: "k", G2A_API_SECRET: "legacy" })
    assert.strictEqual(Redacted.value(Option.getOrThrow(settings).apiHash), "legacy")
  })

  it("production names every problem at once: no explicit env, no hash, bad URL, bad bounds", () => {
    const { problems, settings } = load("production", {
      G2A_API_KEY: "k",
      G2A_API_URL: "http://api.g2a.com",
      G2A_TIMEOUT_MS: "abc",
      G2A_RETRY_MAX: "50"
    })
    assert.isTrue(Option.isNone(settings))
    assert.deepStrictEqual(problems, [
      "G2A_API_HASH (or legacy G2A_API_SECRET) is required with G2A_API_KEY",
      "G2A_ENV must be set explicitly in production (sandbox or live)",
      "G2A_API_URL must use https (TLS is required for G2A)",
      "G2A_TIMEOUT_MS must be an integer between 1000 and 30000",
      "G2A_RETRY_MAX must be an integer between 0 and 10"
    ])
  })

  it("production refuses a live environment pointed at the sandbox, and loopback http", () => {
    const { problems } = load("production", {
      G2A_API_KEY: "k",
      G2A_API_HASH: "h",
      G2A_ENV: "live",
      G2A_API_URL: "https://sandboxapi.g2a.com",
      G2A_EXPORT_API_URL: "http://localhost:9"
    })
    assert.strictEqual(problems.length, 2)
    assert.match(problems[0]!, /sandbox host/)
    assert.match(problems[1]!, /G2A_EXPORT_API_URL must use https/)
  })

  it("refuses an unknown G2A_ENV", () => {
    const { problems } = load("development", { G2A_API_KEY: "k", G2A_API_HASH: "h", G2A_ENV: "prod" })
    assert.deepStrictEqual(problems, ['G2A_ENV must be sandbox or live (got "prod")'])
  })
})

describe("G2A hash auth", () => {
  const settings = { env: "live" as const, apiHash: Redacted.make("hash-1"), apiKey: Redacted.make("key-1") }

  it("X-G2A-Hash is hex SHA-256 of hash + key + timestamp", () => {
    const expected = createHash("sha256").update("hash-1key-11767225600").digest("hex")
    assert.strictEqual(authHash(settings.apiHash, settings.apiKey, "1767225600"), expected)
    assert.deepStrictEqual(hashAuthHeaders(settings, 1767225600), {
      "x-api-hash": "hash-1",
      "x-api-key": "key-1",
      "x-g2a-timestamp": "1767225600",
      "x-g2a-hash": expected
    })
  })

  it('sandbox sends Authorization: "{hash}, {key}"', () => {
    assert.deepStrictEqual(hashAuthHeaders({ ...settings, env: "sandbox" }, 0), { authorization: "hash-1, key-1" })
  })
})

describe("G2A mapping and expectations", () => {
  const doc = {
    id: 10000068865001,
    name: "Game",
    qty: 3.7,
    minPrice: 9.99,
    retailMinPrice: null,
    region: "EU",
    platform: null,
    slug: "game"
  }

  it("maps a product document to our model", () => {
    assert.deepStrictEqual(toProduct(doc), {
      id: "10000068865001",
      name: "Game",
      slug: "game",
      price: 9.99,
      retailPrice: undefined,
      currency: "EUR",
      stock: 3,
      region: "EU",
      platform: undefined,
      updatedAt: undefined
    })
  })

  it("detects price and stock mismatches to the cent", () => {
    const product = toProduct(doc)
    assert.isUndefined(checkOffer(product, { price: 9.99, quantity: 3 }))
    assert.strictEqual(checkOffer(product, { price: 9.98 })?.kind, "price_changed")
    assert.strictEqual(checkOffer(product, { quantity: 4 })?.kind, "out_of_stock")
    assert.strictEqual(checkOffer(product, { maxPrice: 9.5 })?.kind, "price_changed")
    assert.isUndefined(checkOffer(product, { maxPrice: 9.99 }))
  })

  it("validates an order before it leaves", () => {
    assert.isUndefined(validateOrder({ productId: "1", maxPrice: 10, currency: "EUR" }))
    assert.strictEqual(validateOrder({ productId: "", maxPrice: 10, currency: "EUR" })?.kind, "validation")
    assert.strictEqual(validateOrder({ productId: "1", maxPrice: Number.NaN, currency: "EUR" })?.kind, "validation")
    assert.strictEqual(validateOrder({ productId: "1", maxPrice: 10, currency: "eur" })?.kind, "validation")
    assert.strictEqual(
      validateOrder({ productId: "1", maxPrice: 10, currency: "EUR", expectedPrice: 11 })?.kind,
      "validation"
    )
  })

  it("maps provider failures to the G2A taxonomy", () => {
    const failure = (reason: ProviderError["reason"], status?: number) =>
      fromProviderError(
        new ProviderError({
          provider: "g2a",
          operation: "/x",
          reason,
          ...(status === undefined ? {} : { status }),
          detail: "BR03"
        })
      ).kind
    assert.strictEqual(failure("Unauthorized", 401), "auth")
    assert.strictEqual(failure("Rejected", 403), "auth")
    assert.strictEqual(failure("RateLimited", 429), "rate_limited")
    assert.strictEqual(failure("Unavailable", 503), "unavailable")
    assert.strictEqual(failure("Timeout"), "unavailable")
    assert.strictEqual(failure("CircuitOpen"), "unavailable")
    assert.strictEqual(failure("Rejected", 404), "not_found")
    assert.strictEqual(failure("Rejected", 400), "validation")
    assert.strictEqual(failure("Rejected", 418), "unknown")
    assert.strictEqual(failure("Decode"), "unknown")
  })
})

describe("G2A webhook signature policy", () => {
  const apiHash = "g2a-webhook-hash-0123456789"
  const verify = (body: Uint8Array, headers: Record<string, string>, at = DateTime.nowUnsafe()) =>
    Effect.runSyncExit(
      G2AWebhook.policy.verify({ provider: "g2a", rawBody: body, headers, receivedAt: at }, [Redacted.make(apiHash)])
    )
  const body = JSON.stringify({
    event_id: "evt-1",
    type: "order.status",
    data: { orderId: "G2A-1", status: "complete" }
  })

  it("accepts a delivery signed by the fake G2A (an independent implementation of the seed formula)", () => {
    const headers = signWebhook(apiHash, body)
    assert.isTrue(Exit.isSuccess(verify(Buffer.from(body), headers)))
  })

  it("refuses timestamps beyond ±5 minutes both ways", () => {
    const now = Math.floor(Date.now() / 1000)
    assert.isTrue(Exit.isFailure(verify(Buffer.from(body), signWebhook(apiHash, body, { timestamp: now - 310 }))))
    assert.isTrue(Exit.isFailure(verify(Buffer.from(body), signWebhook(apiHash, body, { timestamp: now + 310 }))))
    assert.isTrue(Exit.isSuccess(verify(Buffer.from(body), signWebhook(apiHash, body, { timestamp: now - 290 }))))
  })

  it("refuses every one of ≥ 1000 mutated deliveries (body, timestamp, nonce, signature)", () => {
    const base = signWebhook(apiHash, body, { nonce: "nonce-0123456789" })
    let checked = 0
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant("body" as const), index: fc.nat(), byte: fc.integer({ min: 1, max: 255 }) }),
          fc.record({
            kind: fc.constant("timestamp" as const),
            delta: fc.integer({ min: -200, max: 200 }).filter((d) => d !== 0)
          }),
          fc.record({ kind: fc.constant("nonce" as const), suffix: fc.stringMatching(/^[\w-]{1,6}$/) }),
          fc.record({
            kind: fc.constant("signature" as const),
            index: fc.nat(),
            char: fc.constantFrom(..."0123456789abcdef")
          })
        ),
        (mutation) => {
          const raw = Buffer.from(body)
          const headers: Record<string, string> = { ...base }
          switch (mutation.kind) {
            case "body": {
              const i = mutation.index % raw.length
              raw[i] = raw[i]! ^ mutation.byte
              break
            }
            case "timestamp":
              headers["x-g2a-timestamp"] = String(Number(base["x-g2a-timestamp"]) + mutation.delta)
              break
            case "nonce":
              headers["x-g2a-nonce"] = `${base["x-g2a-nonce"]}${mutation.suffix}`
              break
            case "signature": {
              const sig = base["x-g2a-signature"]
              const i = mutation.index % sig.length
              if (sig[i] === mutation.char) return
              headers["x-g2a-signature"] = `${sig.slice(0, i)}${mutation.char}${sig.slice(i + 1)}`
              break
            }
          }
          checked++
          assert.isTrue(Exit.isFailure(verify(raw, headers)), `accepted a ${mutation.kind} mutation`)
        }
      ),
      { numRuns: 1300 }
    )
    assert.isAtLeast(checked, 1000)
  })
})
