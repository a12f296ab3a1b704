/**
 * The rate-limit reference for `bench:ratelimit`: rate-limiter-flexible's RateLimiterRedis (on ioredis) behind our
 * RateCounter port, so the same app, route and middleware can be measured deciding with it instead of our script.
 */
import { Effect, Layer } from "effect"
import { Redis } from "ioredis"
import { RateLimiterRedis } from "rate-limiter-flexible"
import { CacheError } from "../../core/shared/errors.ts"
import { RateCounter } from "../../core/shared/ports/RateCounter.ts"

const failed = () => new CacheError({ operation: "ratelimit", reason: "Unavailable" })

export const layer = (redisUrl: string) =>
  Layer.effect(
    RateCounter,
    Effect.gen(function* () {
      const redis = yield* Effect.acquireRelease(
        Effect.sync(() => new Redis(redisUrl, { enableOfflineQueue: true })),
        (client) => Effect.promise(() => client.quit())
      )
      // One limiter per window length; points high enough that it counts and never refuses by itself.
      const limiters = new Map<number, RateLimiterRedis>()
      const limiterFor = (windowMillis: number) => {
        let limiter = limiters.get(windowMillis)
        if (limiter === undefined) {
          limiter = new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `rlf${windowMillis}`,
            points: Number.MAX_SAFE_INTEGER,
            duration: Math.max(1, Math.ceil(windowMillis / 1000))
          })
          limiters.set(windowMillis, limiter)
        }
        return limiter
      }
      return RateCounter.of({
        hit: (key, windowMillis) =>
          Effect.tryPromise({ try: () => limiterFor(windowMillis).consume(key), catch: failed }).pipe(
            Effect.map((res) => ({ count: res.consumedPoints, resetMillis: res.msBeforeNext }))
          ),
        peek: (key) =>
          Effect.tryPromise({ try: () => limiterFor(60_000).get(key), catch: failed }).pipe(
            Effect.map((res) =>
              res === null ? { count: 0, resetMillis: 0 } : { count: res.consumedPoints, resetMillis: res.msBeforeNext }
            )
          )
      })
    })
  )
