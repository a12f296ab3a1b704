/**
 * The RateCounter port's two adapters, same assertions: in memory (no REDIS_URL, and the fallback) and on Redis
 * (shared by instances). Windows are driven by the clock for memory and by real expiry for Redis.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Redis } from "ioredis"
import { inject } from "vitest"
import * as MemoryRateCounter from "../../adapters/memory/MemoryRateCounter.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisRateCounter from "../../adapters/redis/RedisRateCounter.ts"
import { RateCounter } from "../../core/shared/ports/RateCounter.ts"

/**
 * `live`: real time (Redis expires keys itself); otherwise the TestClock, moved by `advance`. `window`: the short
 * window (ms) the expiry tests use; on real time it must outlast a few commands on a loaded machine.
 */
const contract = (
  name: string,
  counter: Layer.Layer<RateCounter>,
  time: { readonly live: boolean; readonly advance: (ms: number) => Effect.Effect<void>; readonly window: number }
) =>
  layer(counter, { excludeTestServices: time.live })(`RateCounter: ${name}`, (it) => {
    it.effect("counts hits in a window and says how long it has left", () =>
      Effect.gen(function* () {
        const counter = yield* RateCounter
        const key = `contract-${Math.random()}`
        const first = yield* counter.hit(key, 10_000)
        const second = yield* counter.hit(key, 10_000)
        const third = yield* counter.hit(key, 10_000)
        assert.deepStrictEqual([first.count, second.count, third.count], [1, 2, 3])
        assert.isTrue(first.resetMillis > 9_000 && first.resetMillis <= 10_000, String(first.resetMillis))
        assert.isTrue(third.resetMillis > 0 && third.resetMillis <= first.resetMillis, String(third.resetMillis))
      })
    )

    it.effect("peek reads the window's count without counting; nothing open reads as zero", () =>
      Effect.gen(function* () {
        const counter = yield* RateCounter
        const key = `peek-${Math.random()}`
        assert.strictEqual((yield* counter.peek(key)).count, 0)
        yield* counter.hit(key, time.window)
        yield* counter.hit(key, time.window)
        const seen = yield* counter.peek(key)
        assert.strictEqual(seen.count, 2)
        assert.isTrue(seen.resetMillis > 0 && seen.resetMillis <= time.window, String(seen.resetMillis))
        assert.strictEqual((yield* counter.peek(key)).count, 2, "peeking counts nothing")
        assert.strictEqual((yield* counter.hit(key, time.window)).count, 3)
        yield* time.advance(time.window + 50)
        assert.strictEqual((yield* counter.peek(key)).count, 0, "the window ended")
      })
    )

    it.effect("keys are independent", () =>
      Effect.gen(function* () {
        const counter = yield* RateCounter
        yield* counter.hit(`a-${Math.random()}`, 10_000)
        assert.strictEqual((yield* counter.hit(`b-${Math.random()}`, 10_000)).count, 1)
      })
    )

    it.effect("a new window starts from one when the last one ended", () =>
      Effect.gen(function* () {
        const counter = yield* RateCounter
        const key = `window-${Math.random()}`
        yield* counter.hit(key, time.window)
        assert.strictEqual((yield* counter.hit(key, time.window)).count, 2)
        yield* time.advance(time.window + 50)
        const next = yield* counter.hit(key, time.window)
        assert.strictEqual(next.count, 1)
        assert.isTrue(next.resetMillis > time.window / 2 && next.resetMillis <= time.window, String(next.resetMillis))
      })
    )

    it.effect("concurrent hits are each counted once", () =>
      Effect.gen(function* () {
        const counter = yield* RateCounter
        const key = `concurrent-${Math.random()}`
        const counts = yield* Effect.forEach(
          Array.from({ length: 200 }, (_, i) => i),
          () => counter.hit(key, 10_000),
          { concurrency: 50 }
        )
        assert.deepStrictEqual(
          counts.map((c) => c.count).sort((a, b) => a - b),
          Array.from({ length: 200 }, (_, i) => i + 1)
        )
      })
    )
  })

describe("RateCounter", () => {
  contract("memory", MemoryRateCounter.layer, {
    live: false,
    advance: (ms) => TestClock.adjust(Duration.millis(ms)),
    window: 200
  })
  contract(
    "redis",
    Layer.unwrap(
      Effect.sync(() =>
        RedisRateCounter.layer(`test:rc:${Math.random()}:`).pipe(
          Layer.provide(
            RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) })
          )
        )
      )
    ),
    // Real time: Redis ends the window itself (a longer wait never breaks the checks after it); 2 s outlasts the
    // handful of commands inside a window however loaded the machine.
    { live: true, advance: (ms) => Effect.sleep(Duration.millis(ms)), window: 2_000 }
  )
})

describe("RateCounter on Redis", () => {
  layer(
    Layer.unwrap(
      Effect.sync(() =>
        RedisRateCounter.layer(`test:rc-flush:${Math.random()}:`).pipe(
          Layer.provide(
            RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) })
          )
        )
      )
    ),
    { excludeTestServices: true }
  )("script cache", (it) => {
    it.effect("keeps counting after the server forgot the script (restart, SCRIPT FLUSH)", () =>
      Effect.gen(function* () {
        const counter = yield* RateCounter
        const key = `flush-${Math.random()}`
        assert.strictEqual((yield* counter.hit(key, 10_000)).count, 1)
        const admin = new Redis(inject("redisUrl"))
        yield* Effect.promise(() => admin.script("FLUSH").then(() => admin.quit()))
        assert.strictEqual((yield* counter.hit(key, 10_000)).count, 2)
      })
    )
  })
})
