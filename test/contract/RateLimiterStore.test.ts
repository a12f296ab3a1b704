/**
 * Effect's RateLimiter over its two stores as we wire them: in memory (no REDIS_URL) and on Redis through our
 * ioredis connection bridged into effect/persistence. Same assertions for both.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { RateLimiter } from "effect/persistence"
import { inject } from "vitest"
import * as EffectRedis from "../../adapters/redis/EffectRedis.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"

const contract = (name: string, store: Layer.Layer<RateLimiter.RateLimiterStore>) =>
  layer(RateLimiter.layer.pipe(Layer.provide(store)), { excludeTestServices: true })(`RateLimiter store: ${name}`, (it) => {
    it.effect("fixed window: the call past the limit is refused with a retry delay", () =>
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const key = `contract-${Math.random()}`
        const options = { key, limit: 3, window: "10 seconds", onExceeded: "fail", algorithm: "fixed-window" } as const
        const first = yield* limiter.consume(options)
        yield* limiter.consume(options)
        const third = yield* limiter.consume(options)
        const refused = yield* Effect.flip(limiter.consume(options))
        assert.strictEqual(first.remaining, 2)
        assert.strictEqual(third.remaining, 0)
        assert.strictEqual(refused.reason._tag, "RateLimitExceeded")
        if (refused.reason._tag === "RateLimitExceeded") {
          assert.isTrue(Duration.toMillis(refused.reason.retryAfter) > 0)
        }
      }))

    it.effect("keys are independent", () =>
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const base = { limit: 1, window: "10 seconds", onExceeded: "fail", algorithm: "fixed-window" } as const
        yield* limiter.consume({ ...base, key: `a-${Math.random()}` })
        const other = yield* limiter.consume({ ...base, key: `b-${Math.random()}` })
        assert.strictEqual(other.remaining, 0)
      }))
  })

describe("RateLimiterStore", () => {
  contract("memory", RateLimiter.layerStoreMemory)
  contract(
    "redis",
    Layer.unwrap(Effect.sync(() =>
      RateLimiter.layerStoreRedis({ prefix: "test:rl:" }).pipe(
        Layer.provide(EffectRedis.layer),
        Layer.provide(RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) }))
      )
    ))
  )
})
