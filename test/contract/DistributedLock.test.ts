/**
 * The DistributedLock contract on both adapters (in-process memory, Redis): one holder at a time, bounded waiting
 * that ends in LockTimeout, release on any exit, expiry of a holder that outlives its TTL, and release only by the
 * holder (a holder whose lock expired cannot free its successor's).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Cause, Deferred, Duration, Effect, Exit, Fiber, Layer, Redacted, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"
import * as MemoryDistributedLock from "../../adapters/memory/MemoryDistributedLock.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisDistributedLock from "../../adapters/redis/RedisDistributedLock.ts"
import { DistributedLock, LockTimeout } from "../../core/connections/ports/DistributedLock.ts"

/** Long enough never to run out during a test: expiry is only ever reached through `SHORT_TTL`. */
const HOLD = { ttl: Duration.seconds(60), wait: Duration.seconds(20) }
/** How long a caller that must be refused waits; it is refused because the lock is held, not because time ran. */
const IMPATIENT = { ttl: Duration.seconds(60), wait: Duration.millis(50) }
const SHORT_TTL = { ttl: Duration.millis(100), wait: Duration.seconds(20) }

/** Lets other fibers and pending I/O (Redis replies) run, so an overlapping holder would get its chance. */
const letOthersRun = Effect.promise(() => new Promise<void>((resume) => setImmediate(resume)))

const freshKey = () => `contract-${randomUUID()}`

/** Forks `withLock(key, options)` around a body that reports entry and then waits for `gate` to open. */
const holdUntil = (key: string, options: typeof HOLD, gate: Deferred.Deferred<void>) =>
  Effect.gen(function* () {
    const lock = yield* DistributedLock
    const entered = yield* Deferred.make<void>()
    const fiber = yield* Effect.forkChild(
      lock.withLock(key, options)(Deferred.succeed(entered, undefined).pipe(Effect.andThen(Deferred.await(gate))))
    )
    // A holder that ends without entering (e.g. LockTimeout) fails here at once instead of hanging the test.
    const endedFirst = Fiber.join(fiber).pipe(Effect.andThen(Effect.die("the holder ended without entering")))
    yield* Effect.raceFirst(Deferred.await(entered), endedFirst)
    return fiber
  })

const expectTimeout = (exit: Exit.Exit<unknown, unknown>, key: string) => {
  assert.isTrue(Exit.isFailure(exit), "the lock should have been refused")
  if (Exit.isFailure(exit)) {
    const error = Cause.findErrorOption(exit.cause)
    const timedOut = error._tag === "Some" && error.value instanceof LockTimeout && error.value.key === key
    assert.isTrue(timedOut, String(exit.cause))
  }
}

const contract = (name: string, lock: Layer.Layer<DistributedLock>) =>
  layer(lock, { excludeTestServices: true })(`DistributedLock contract: ${name}`, (it) => {
    it.effect("while one caller holds a key, another waits in vain and fails with LockTimeout; then it is free", () =>
      Effect.gen(function* () {
        const lock = yield* DistributedLock
        const key = freshKey()
        const gate = yield* Deferred.make<void>()
        const holder = yield* holdUntil(key, HOLD, gate)
        const ran = yield* Ref.make(false)
        expectTimeout(yield* Effect.exit(lock.withLock(key, IMPATIENT)(Ref.set(ran, true))), key)
        assert.isFalse(yield* Ref.get(ran), "the refused caller's effect must not run")
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(holder)
        assert.strictEqual(yield* lock.withLock(key, HOLD)(Effect.succeed("after")), "after")
      })
    )

    it.effect("20 concurrent callers on one key run one at a time, each exactly once", () =>
      Effect.gen(function* () {
        const lock = yield* DistributedLock
        const key = freshKey()
        const inside = yield* Ref.make(0)
        const most = yield* Ref.make(0)
        const section = (i: number) =>
          Effect.gen(function* () {
            const now = yield* Ref.updateAndGet(inside, (n) => n + 1)
            yield* Ref.update(most, (m) => Math.max(m, now))
            for (let step = 0; step < 3; step++) yield* letOthersRun
            yield* Ref.update(inside, (n) => n - 1)
            return i
          })
        const callers = Array.from({ length: 20 }, (_, i) => i)
        const run = (i: number) => lock.withLock(key, HOLD)(section(i))
        const results = yield* Effect.forEach(callers, run, { concurrency: "unbounded" })
        assert.deepStrictEqual(results, callers)
        assert.strictEqual(yield* Ref.get(most), 1)
        assert.strictEqual(yield* Ref.get(inside), 0)
      })
    )

    it.effect("different keys do not exclude each other", () =>
      Effect.gen(function* () {
        const lock = yield* DistributedLock
        const key = freshKey()
        const gate = yield* Deferred.make<void>()
        const holder = yield* holdUntil(key, HOLD, gate)
        assert.strictEqual(yield* lock.withLock(freshKey(), IMPATIENT)(Effect.succeed("other")), "other")
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(holder)
      })
    )

    it.effect("the effect's failure passes through and frees the lock, as do a defect and an interruption", () =>
      Effect.gen(function* () {
        const lock = yield* DistributedLock
        const key = freshKey()
        const failed = yield* Effect.exit(lock.withLock(key, HOLD)(Effect.fail("boom")))
        assert.deepStrictEqual(failed, Exit.fail("boom"))
        assert.strictEqual(yield* lock.withLock(key, IMPATIENT)(Effect.succeed(1)), 1, "free after a failure")
        const died = yield* Effect.exit(lock.withLock(key, HOLD)(Effect.die("defect")))
        assert.isTrue(Exit.isFailure(died) && Cause.hasDies(died.cause))
        assert.strictEqual(yield* lock.withLock(key, IMPATIENT)(Effect.succeed(2)), 2, "free after a defect")
        const holder = yield* holdUntil(key, HOLD, yield* Deferred.make<void>())
        yield* Fiber.interrupt(holder)
        assert.strictEqual(yield* lock.withLock(key, IMPATIENT)(Effect.succeed(3)), 3, "free after an interruption")
      })
    )

    it.effect("a holder that outlives its TTL stops excluding others (the lock expires on its own)", () =>
      Effect.gen(function* () {
        const lock = yield* DistributedLock
        const key = freshKey()
        const gate = yield* Deferred.make<void>()
        const stuck = yield* holdUntil(key, SHORT_TTL, gate)
        // Waits (bounded by HOLD.wait) until the stuck holder's lock has expired, while the holder is still running.
        assert.strictEqual(yield* lock.withLock(key, HOLD)(Effect.succeed("taken over")), "taken over")
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(stuck)
      })
    )

    it.effect("a holder whose lock expired cannot release its successor's lock", () =>
      Effect.gen(function* () {
        const lock = yield* DistributedLock
        const key = freshKey()
        const firstGate = yield* Deferred.make<void>()
        const first = yield* holdUntil(key, SHORT_TTL, firstGate)
        const secondGate = yield* Deferred.make<void>()
        const second = yield* holdUntil(key, HOLD, secondGate)
        // The first holder finishes while the second holds the key: its release must leave the second's lock alone.
        yield* Deferred.succeed(firstGate, undefined)
        yield* Fiber.join(first)
        expectTimeout(yield* Effect.exit(lock.withLock(key, IMPATIENT)(Effect.void)), key)
        yield* Deferred.succeed(secondGate, undefined)
        yield* Fiber.join(second)
        assert.strictEqual(yield* lock.withLock(key, IMPATIENT)(Effect.succeed("free")), "free")
      })
    )
  })

describe("DistributedLock", () => {
  contract("memory", MemoryDistributedLock.layer)
  contract(
    "redis",
    Layer.unwrap(
      Effect.sync(() =>
        RedisDistributedLock.layer(`test:${randomUUID()}:`).pipe(
          Layer.provide(
            RedisConnection.layer({
              url: Redacted.make(inject("redisUrl")),
              commandTimeout: Duration.seconds(2)
            })
          )
        )
      )
    )
  )
})
