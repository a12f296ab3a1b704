import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import * as MemoryRateCounter from "../../adapters/memory/MemoryRateCounter.ts"
import * as RateLimit from "../../apps/http/RateLimit.ts"

const limiter = (config: Record<string, string>) =>
  RateLimit.layer(MemoryRateCounter.make).pipe(
    Layer.provide(MemoryRateCounter.layer),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(config)))
  )

const request = (path: string, forwardedFor?: string) =>
  HttpServerRequest.fromWeb(
    new Request(`http://localhost${path}`, {
      method: "POST",
      headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }
    })
  )

const allowed = (path: string, forwardedFor?: string) =>
  Effect.gen(function* () {
    const l = yield* RateLimit.RequestLimiter
    return yield* l.decide(request(path, forwardedFor))
  }).pipe(Effect.map((d) => Option.getOrThrow(d).allowed))

describe("request limiter", () => {
  it.effect(
    "behind a trusted proxy the client is the last X-Forwarded-For entry, not what the client wrote first",
    () =>
      Effect.gen(function* () {
        const results: Array<boolean> = []
        for (let i = 0; i < 4; i++) results.push(yield* allowed("/api/v1/auth/login", `198.51.100.${i}, 203.0.113.7`))
        assert.deepStrictEqual(
          results,
          [true, true, false, false],
          "spoofed first entries share the real client's budget"
        )
        assert.isTrue(yield* allowed("/api/v1/auth/login", "203.0.113.8"))
      }).pipe(Effect.provide(limiter({ TRUST_PROXY: "true", RATE_LIMIT_AUTH_PER_MINUTE: "2" })))
  )

  it.effect("probes are exempt, any spelling of an auth path gets the auth budget", () =>
    Effect.gen(function* () {
      const l = yield* RateLimit.RequestLimiter
      assert.isTrue(Option.isNone(yield* l.decide(request("/health/live"))))
      assert.isTrue(Option.isNone(yield* l.decide(request("/HEALTH//ready"))))
      const auth = yield* l.decide(request("/Api/V1//AUTH/login"))
      assert.strictEqual(Option.getOrThrow(auth).limit, 3)
    }).pipe(Effect.provide(limiter({ RATE_LIMIT_AUTH_PER_MINUTE: "3" })))
  )

  it.effect("an IPv6 client is limited per /64 (one subscriber's whole prefix), an IPv4-mapped one as IPv4", () =>
    Effect.gen(function* () {
      const results: Array<boolean> = []
      for (let i = 1; i <= 3; i++) results.push(yield* allowed("/api/v1/auth/login", `2001:db8:1:2::${i.toString(16)}`))
      assert.deepStrictEqual(results, [true, true, false], "addresses of one /64 share a budget")
      assert.isTrue(yield* allowed("/api/v1/auth/login", "2001:db8:1:3::1"), "another /64 has its own")
      assert.isTrue(yield* allowed("/api/v1/auth/login", "::ffff:192.0.2.10"))
      assert.isTrue(yield* allowed("/api/v1/auth/login", "192.0.2.10"))
      assert.isFalse(
        yield* allowed("/api/v1/auth/login", "192.0.2.10"),
        "the mapped form and the plain one are one client"
      )
    }).pipe(Effect.provide(limiter({ TRUST_PROXY: "true", RATE_LIMIT_AUTH_PER_MINUTE: "2" })))
  )

  it("a forwarded address with a port or in brackets is budgeted as the address", () => {
    assert.strictEqual(RateLimit.budgetKey("192.0.2.1:8080"), "192.0.2.1")
    assert.strictEqual(RateLimit.budgetKey("[2001:db8:1:2::7]:443"), "2001:db8:1:2::/64")
    assert.strictEqual(RateLimit.budgetKey("[2001:DB8:1:2::8]"), "2001:db8:1:2::/64")
    assert.strictEqual(RateLimit.budgetKey("2001:0db8:0001:0002:0:0:0:9"), "2001:db8:1:2::/64")
  })
})
