/**
 * Redis configured but not answering: the app must not hang. Commands fail fast with a typed CacheError and the
 * readiness probe reports redis down (degraded, not unready).
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Option, Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import * as MemoryRateCounter from "../../adapters/memory/MemoryRateCounter.ts"
import * as RateLimit from "../../apps/http/RateLimit.ts"
import * as RedisRateCounter from "../../adapters/redis/RedisRateCounter.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import { Readiness } from "../../core/ops/Readiness.ts"
import { freePort } from "../support/RedisServer.ts"

const deadRedis = Layer.unwrap(
  Effect.promise(() => freePort()).pipe(
    Effect.map((port) =>
      RedisConnection.layer({ url: Redacted.make(`redis://127.0.0.1:${port}`), commandTimeout: Duration.millis(300) })
    )
  )
)

describe("Redis down", () => {
  it.live(
    "rate limiting falls back to an in-process limiter: auth stays limited, never open",
    () =>
      Effect.gen(function* () {
        const limiter = yield* RateLimit.RequestLimiter
        const request = HttpServerRequest.fromWeb(new Request("http://localhost/api/v1/auth/login", { method: "POST" }))
        const allowed: Array<boolean> = []
        for (let i = 0; i < 5; i++) allowed.push(Option.getOrThrow(yield* limiter.decide(request)).allowed)
        assert.deepStrictEqual(allowed, [true, true, true, false, false])
      }).pipe(
        Effect.provide(
          RateLimit.layer(MemoryRateCounter.make).pipe(
            Layer.provide(RedisRateCounter.layer("dead:").pipe(Layer.provide(deadRedis))),
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ RATE_LIMIT_AUTH_PER_MINUTE: "3" })))
          )
        )
      ),
    20_000
  )

  it.live(
    "commands fail fast with CacheError and readiness says redis is down",
    () =>
      Effect.gen(function* () {
        const connection = yield* RedisConnection.RedisConnection
        const started = performance.now()
        const error = yield* Effect.flip(connection.use("get", (c) => c.get("anything")))
        const elapsed = performance.now() - started
        assert.strictEqual(error._tag, "CacheError")
        assert.strictEqual(error.operation, "get")
        assert.isBelow(elapsed, 2_000, "a dead Redis must not make callers wait")
        const report = yield* (yield* Readiness).report
        assert.strictEqual(report.checks["redis"], "down")
        assert.strictEqual(report.status, "degraded")
      }).pipe(
        Effect.provide(
          Layer.unwrap(
            Effect.promise(() => freePort()).pipe(
              Effect.map((port) =>
                RedisConnection.probe.pipe(
                  Layer.provideMerge(
                    RedisConnection.layer({
                      url: Redacted.make(`redis://127.0.0.1:${port}`),
                      commandTimeout: Duration.millis(300)
                    })
                  ),
                  Layer.provideMerge(Readiness.layer())
                )
              )
            )
          )
        )
      ),
    20_000
  )
})
