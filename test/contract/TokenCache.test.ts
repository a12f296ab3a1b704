/**
 * The TokenCache contract on both adapters (in-process memory, Redis sealed by the vault): a miss until set, the
 * token and its expiry read back as stored, overwrite, delete, independent keys, and entries that vanish when
 * their TTL (not the token's own expiry) runs out. Memory expires on the Effect Clock (driven by TestClock); Redis
 * expires keys itself (polled, bounded).
 */
import { assert, describe, layer } from "@effect/vitest"
import { DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"
import * as MemoryTokenCache from "../../adapters/memory/MemoryTokenCache.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisTokenCache from "../../adapters/redis/RedisTokenCache.ts"
import { type CachedToken, TokenCache } from "../../core/connections/ports/TokenCache.ts"
import { TestVault } from "../support/TokenStack.ts"

const LONG = Duration.minutes(30)
const SHORT = Duration.millis(200)

interface Time {
  /** Real time (Redis expires keys on its own clock); otherwise the TestClock. */
  readonly live: boolean
  /** One polling step: moves the TestClock, or waits a little real time. */
  readonly step: Effect.Effect<void>
}

/** Runs `check` after each of at most 200 steps until it holds; whether it ever did. */
const eventually = <E>(time: Time, check: Effect.Effect<boolean, E>) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 200; attempt++) {
      yield* time.step
      if (yield* check) return true
    }
    return false
  })

const key = () => `shopify:token:sandbox:${randomUUID()}`
/** A token expiring at a fixed instant with a millisecond part, which must survive the round trip. */
const token = (value: string, expiresAt = "2031-05-06T07:08:09.123Z"): CachedToken => ({
  token: Redacted.make(value),
  expiresAt: DateTime.makeUnsafe(expiresAt)
})
const plain = (cached: Option.Option<CachedToken>) =>
  Option.map(cached, (t) => ({ token: Redacted.value(t.token), expiresAt: DateTime.toEpochMillis(t.expiresAt) }))

const contract = (name: string, cache: Layer.Layer<TokenCache>, time: Time) =>
  layer(cache, { excludeTestServices: time.live })(`TokenCache contract: ${name}`, (it) => {
    it.effect("a key is a miss until set, then reads back the token and its expiry exactly", () =>
      Effect.gen(function* () {
        const tokens = yield* TokenCache
        const k = key()
        assert.isTrue(Option.isNone(yield* tokens.get(k)))
        yield* tokens.set(k, token("shpat_first"), LONG)
        assert.deepStrictEqual(
          plain(yield* tokens.get(k)),
          Option.some({ token: "shpat_first", expiresAt: Date.parse("2031-05-06T07:08:09.123Z") })
        )
        assert.strictEqual(Option.getOrThrow(plain(yield* tokens.get(k))).token, "shpat_first", "not consumed")
      })
    )

    it.effect("set replaces the entry; keys are independent", () =>
      Effect.gen(function* () {
        const tokens = yield* TokenCache
        const [a, b] = [key(), key()]
        yield* tokens.set(a, token("old"), LONG)
        yield* tokens.set(b, token("other"), LONG)
        yield* tokens.set(a, token("new", "2032-01-01T00:00:00.000Z"), LONG)
        const replaced = Option.getOrThrow(plain(yield* tokens.get(a)))
        assert.deepStrictEqual(replaced, { token: "new", expiresAt: Date.parse("2032-01-01T00:00:00Z") })
        assert.strictEqual(Option.getOrThrow(plain(yield* tokens.get(b))).token, "other")
      })
    )

    it.effect("delete makes the key a miss and leaves other keys; deleting a missing key is harmless", () =>
      Effect.gen(function* () {
        const tokens = yield* TokenCache
        const [a, b] = [key(), key()]
        yield* tokens.set(a, token("a"), LONG)
        yield* tokens.set(b, token("b"), LONG)
        yield* tokens.delete(a)
        assert.isTrue(Option.isNone(yield* tokens.get(a)))
        assert.strictEqual(Option.getOrThrow(plain(yield* tokens.get(b))).token, "b")
        yield* tokens.delete(a)
        yield* tokens.delete(key())
        yield* tokens.set(a, token("again"), LONG)
        assert.strictEqual(Option.getOrThrow(plain(yield* tokens.get(a))).token, "again", "set again after delete")
      })
    )

    it.effect("an entry vanishes when its TTL runs out, though the token itself is still valid; others stay", () =>
      Effect.gen(function* () {
        const tokens = yield* TokenCache
        const [short, long] = [key(), key()]
        yield* tokens.set(short, token("short-lived"), SHORT)
        yield* tokens.set(long, token("long-lived"), LONG)
        assert.isTrue(yield* eventually(time, tokens.get(short).pipe(Effect.map(Option.isNone))), "never expired")
        assert.strictEqual(Option.getOrThrow(plain(yield* tokens.get(long))).token, "long-lived")
      })
    )
  })

describe("TokenCache", () => {
  contract("memory", MemoryTokenCache.layer, { live: false, step: TestClock.adjust(Duration.millis(50)) })
  contract(
    "redis",
    Layer.unwrap(
      Effect.sync(() =>
        RedisTokenCache.layer(`test:${randomUUID()}:`).pipe(
          Layer.provide(
            RedisConnection.layer({
              url: Redacted.make(inject("redisUrl")),
              commandTimeout: Duration.seconds(2)
            })
          ),
          Layer.provide(TestVault)
        )
      )
    ),
    { live: true, step: Effect.sleep(Duration.millis(50)) }
  )
})
