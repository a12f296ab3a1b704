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
    it.effect(
      "reserves attempts up to the threshold, locks on the failure that reaches it, and reset clears both",
      () =>
        Effect.gen(function* () {
          const attempts = yield* LoginAttempts
          const key = `k-${Math.random()}`
          const first = yield* attempts.acquire(key)
          assert.deepStrictEqual(first, { allowed: true, attempt: 1 })
          assert.deepStrictEqual(yield* attempts.fail(key, first.attempt), { locked: false })
          const second = yield* attempts.acquire(key)
          const third = yield* attempts.acquire(key)
          assert.deepStrictEqual(
            [second, third],
            [
              { allowed: true, attempt: 2 },
              { allowed: true, attempt: 3 }
            ]
          )
          // A fourth concurrent attempt is refused before its password is even checked.
          assert.isFalse((yield* attempts.acquire(key)).allowed)
          assert.deepStrictEqual(yield* attempts.fail(key, third.attempt), { locked: true })
          assert.deepStrictEqual(yield* attempts.fail(key, 4), { locked: false }, "the lock is reported once")
          assert.isFalse((yield* attempts.acquire(key)).allowed, "locked")
          yield* attempts.reset(key)
          assert.deepStrictEqual(yield* attempts.acquire(key), { allowed: true, attempt: 1 })
        })
    )

    it.effect("keys are independent", () =>
      Effect.gen(function* () {
        const attempts = yield* LoginAttempts
        const a = `a-${Math.random()}`
        for (let i = 1; i <= 3; i++) yield* attempts.acquire(a).pipe(Effect.flatMap((r) => attempts.fail(a, r.attempt)))
        assert.isFalse((yield* attempts.acquire(a)).allowed)
        assert.isTrue((yield* attempts.acquire(`b-${Math.random()}`)).allowed)
      })
    )
  })

describe("LoginAttempts", () => {
  contract("memory", MemoryLoginAttempts.layer(policy))
  contract(
    "redis",
    Layer.unwrap(
      Effect.sync(() =>
        RedisLoginAttempts.layer(policy, MemoryLoginAttempts.make(policy), `test:${Math.random()}:`).pipe(
          Layer.provide(
            RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) })
          )
        )
      )
    )
  )
})
