/** One lockout contract, two stores: in-process memory and Redis (shared by instances). */
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { inject } from "vitest"
import * as MemoryLoginAttempts from "../../adapters/memory/MemoryLoginAttempts.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisLoginAttempts from "../../adapters/redis/RedisLoginAttempts.ts"
import type { LockoutPolicy } from "../../core/identity/Lockout.ts"
import { LoginAttempts } from "../../core/identity/ports/LoginAttempts.ts"

const policy: LockoutPolicy = { threshold: 3, window: Duration.minutes(15), lockFor: Duration.minutes(15) }

const contract = (name: string, store: Layer.Layer<LoginAttempts>) =>
  layer(store, { excludeTestServices: true })(`LoginAttempts contract: ${name}`, (it) => {
    it.effect("counts failures, locks exactly when the threshold is reached, and reset clears both", () =>
      Effect.gen(function*() {
        const attempts = yield* LoginAttempts
        const key = `k-${Math.random()}`
        assert.isFalse(yield* attempts.isLocked(key))
        assert.deepStrictEqual(yield* attempts.recordFailure(key), { failures: 1, locked: false })
        assert.deepStrictEqual(yield* attempts.recordFailure(key), { failures: 2, locked: false })
        assert.isFalse(yield* attempts.isLocked(key))
        assert.deepStrictEqual(yield* attempts.recordFailure(key), { failures: 3, locked: true })
        assert.isTrue(yield* attempts.isLocked(key))
        assert.deepStrictEqual(yield* attempts.recordFailure(key), { failures: 4, locked: false }, "the lock is reported once")
        yield* attempts.reset(key)
        assert.isFalse(yield* attempts.isLocked(key))
        assert.deepStrictEqual(yield* attempts.recordFailure(key), { failures: 1, locked: false })
      }))

    it.effect("keys are independent", () =>
      Effect.gen(function*() {
        const attempts = yield* LoginAttempts
        const a = `a-${Math.random()}`
        for (let i = 0; i < 3; i++) yield* attempts.recordFailure(a)
        assert.isTrue(yield* attempts.isLocked(a))
        assert.isFalse(yield* attempts.isLocked(`b-${Math.random()}`))
      }))
  })

describe("LoginAttempts", () => {
  contract("memory", MemoryLoginAttempts.layer(policy))
  contract(
    "redis",
    Layer.unwrap(Effect.sync(() =>
      RedisLoginAttempts.layer(policy, `test:${Math.random()}:`).pipe(
        Layer.provide(RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) }))
      )
    ))
  )
})
