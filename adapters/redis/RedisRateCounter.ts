/**
 * RateCounter on Redis, shared by every instance: `{prefix}ratelimit:{key}` counts the window's requests and
 * expires with it. One script, one round trip per request (INCR, then the window's expiry: set on the first hit,
 * read after). Untraced: it runs on every request, inside the request's span; `ratelimit_decisions_total` counts it.
 */
import { Effect, Layer } from "effect"
import { RateCounter } from "../../core/shared/ports/RateCounter.ts"
import { RedisConnection } from "./RedisConnection.ts"

const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {n, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`

export const layer = (prefix = "tradeport:") =>
  Layer.effect(
    RateCounter,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      const hit = redis.script({ name: "ratelimit_hit", lua: HIT, keys: 1, traced: false })
      return RateCounter.of({
        hit: (key, windowMillis) =>
          hit([`${prefix}ratelimit:${key}`], [String(Math.max(1, Math.ceil(windowMillis)))]).pipe(
            Effect.map((reply) => {
              const [count, resetMillis] = reply as [number, number]
              return { count, resetMillis }
            })
          )
      })
    })
  )
