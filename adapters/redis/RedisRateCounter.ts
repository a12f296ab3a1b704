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

const PEEK = `
local n = redis.call('GET', KEYS[1])
if not n then return {0, 0} end
return {tonumber(n), redis.call('PTTL', KEYS[1])}`

/** The scripts answer `{count, milliseconds left}`; anything else is a defect (a wrong script), not "Redis down". */
const isPair = (reply: unknown): reply is readonly [number, number] =>
  Array.isArray(reply) && reply.length === 2 && typeof reply[0] === "number" && typeof reply[1] === "number"

const toCount = (reply: unknown) =>
  isPair(reply)
    ? Effect.succeed({ count: reply[0], resetMillis: Math.max(0, reply[1]) })
    : Effect.die(new Error(`ratelimit script: unexpected reply ${JSON.stringify(reply)}`))

export const layer = (prefix = "tradeport:") =>
  Layer.effect(
    RateCounter,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      const hit = redis.script({ name: "ratelimit_hit", lua: HIT, keys: 1, traced: false })
      const peek = redis.script({ name: "ratelimit_peek", lua: PEEK, keys: 1, traced: false })
      return RateCounter.of({
        peek: (key) => peek([`${prefix}ratelimit:${key}`], []).pipe(Effect.flatMap(toCount)),
        hit: (key, windowMillis) =>
          hit([`${prefix}ratelimit:${key}`], [String(Math.max(1, Math.ceil(windowMillis)))]).pipe(
            Effect.flatMap(toCount)
          )
      })
    })
  )
