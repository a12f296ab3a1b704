/**
 * The NonceGuard contract on both adapters (in-process memory, Redis): a nonce is accepted once per scope within
 * its TTL (also when 20 deliveries race), `release` gives it back, and it can be used again once the TTL has passed.
 * Memory expires on the Effect Clock (driven by TestClock); Redis expires keys itself (polled, bounded).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"
import * as MemoryNonceGuard from "../../adapters/memory/MemoryNonceGuard.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisNonceGuard from "../../adapters/redis/RedisNonceGuard.ts"
import { NonceGuard } from "../../core/webhooks/ports/NonceGuard.ts"

const WINDOW = Duration.minutes(5)
/** The shortest TTL Redis can express (`EX` is in whole seconds). */
const SHORT = Duration.seconds(1)

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

const fresh = () => randomUUID()

const contract = (name: string, guard: Layer.Layer<NonceGuard>, time: Time) =>
  layer(guard, { excludeTestServices: time.live })(`NonceGuard contract: ${name}`, (it) => {
    it.effect("a nonce is accepted the first time only; unknown nonces are accepted", () =>
      Effect.gen(function* () {
        const nonces = yield* NonceGuard
        const scope = `shopify-${fresh()}`
        const nonce = fresh()
        assert.isTrue(yield* nonces.claim(scope, nonce, WINDOW))
        assert.isFalse(yield* nonces.claim(scope, nonce, WINDOW), "replay")
        assert.isFalse(yield* nonces.claim(scope, nonce, WINDOW), "second replay")
        assert.isTrue(yield* nonces.claim(scope, fresh(), WINDOW))
      })
    )

    it.effect("20 concurrent deliveries with one nonce: exactly one is accepted", () =>
      Effect.gen(function* () {
        const nonces = yield* NonceGuard
        const scope = `race-${fresh()}`
        const nonce = fresh()
        const claims = Array.from({ length: 20 }, () => nonces.claim(scope, nonce, WINDOW))
        const results = yield* Effect.all(claims, { concurrency: "unbounded" })
        assert.strictEqual(results.filter((accepted) => accepted).length, 1)
      })
    )

    it.effect("scopes are independent: the same nonce is accepted once in each", () =>
      Effect.gen(function* () {
        const nonces = yield* NonceGuard
        const nonce = fresh()
        const [a, b] = [`a-${fresh()}`, `b-${fresh()}`]
        assert.isTrue(yield* nonces.claim(a, nonce, WINDOW))
        assert.isTrue(yield* nonces.claim(b, nonce, WINDOW))
        assert.isFalse(yield* nonces.claim(a, nonce, WINDOW))
        assert.isFalse(yield* nonces.claim(b, nonce, WINDOW))
      })
    )

    it.effect("release gives a nonce back once, in its scope only; releasing an unknown nonce is harmless", () =>
      Effect.gen(function* () {
        const nonces = yield* NonceGuard
        const nonce = fresh()
        const [a, b] = [`a-${fresh()}`, `b-${fresh()}`]
        assert.isTrue(yield* nonces.claim(a, nonce, WINDOW))
        assert.isTrue(yield* nonces.claim(b, nonce, WINDOW))
        yield* nonces.release(a, nonce)
        assert.isTrue(yield* nonces.claim(a, nonce, WINDOW), "the sender's retry is accepted")
        assert.isFalse(yield* nonces.claim(a, nonce, WINDOW), "and is single-use again")
        assert.isFalse(yield* nonces.claim(b, nonce, WINDOW), "the other scope still holds it")
        yield* nonces.release(a, fresh())
        yield* nonces.release(`never-${fresh()}`, fresh())
        assert.isFalse(yield* nonces.claim(a, nonce, WINDOW))
      })
    )

    it.effect("once its TTL has passed, a nonce is accepted again", () =>
      Effect.gen(function* () {
        const nonces = yield* NonceGuard
        const scope = `ttl-${fresh()}`
        const nonce = fresh()
        const longLived = fresh()
        assert.isTrue(yield* nonces.claim(scope, nonce, SHORT))
        assert.isTrue(yield* nonces.claim(scope, longLived, WINDOW))
        assert.isTrue(yield* eventually(time, nonces.claim(scope, nonce, SHORT)), "never expired")
        assert.isFalse(yield* nonces.claim(scope, longLived, WINDOW), "a nonce with a longer TTL is still held")
      })
    )
  })

describe("NonceGuard", () => {
  contract("memory", MemoryNonceGuard.layer, { live: false, step: TestClock.adjust(Duration.millis(100)) })
  contract(
    "redis",
    Layer.unwrap(
      Effect.sync(() =>
        RedisNonceGuard.layer(`test:${randomUUID()}:`).pipe(
          Layer.provide(
            RedisConnection.layer({
              url: Redacted.make(inject("redisUrl")),
              commandTimeout: Duration.seconds(2)
            })
          )
        )
      )
    ),
    { live: true, step: Effect.sleep(Duration.millis(100)) }
  )
})
