/**
 * DistributedLock on Redis: `SET {prefix}lock:{key} {random} NX PX ttl`, polled with jittered backoff until the
 * wait runs out (LockTimeout), released only by its holder (compare-and-delete script). A holder that dies
 * frees the lock when the TTL passes.
 */
import { Duration, Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { DistributedLock, LockTimeout } from "../../core/connections/ports/DistributedLock.ts"
import { RedisConnection } from "./RedisConnection.ts"

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`

export const layer = (prefix = "tradeport:") =>
  Layer.effect(
    DistributedLock,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      const releaseScript = redis.script({ name: "lock_release", lua: RELEASE, keys: 1 })
      return DistributedLock.of({
        withLock: (key, options) => (effect) => {
          const lockKey = `${prefix}lock:${key}`
          const holder = randomBytes(16).toString("hex")
          const tryAcquire = redis.use("lock.acquire", (c) =>
            c.set(lockKey, holder, "PX", Duration.toMillis(options.ttl), "NX")
          )
          const acquire = Effect.gen(function* () {
            const deadline = Date.now() + Duration.toMillis(options.wait)
            let pause = 5
            while (true) {
              if ((yield* tryAcquire) === "OK") return
              if (Date.now() >= deadline) return yield* new LockTimeout({ key })
              // Redis expires the lock on wall-clock time, so waiting for it is wall-clock time too (not the Effect
              // Clock, which tests may drive).
              yield* Effect.promise(() => new Promise((resume) => setTimeout(resume, pause + Math.random() * pause)))
              pause = Math.min(pause * 2, 100)
            }
          })
          const release = releaseScript([lockKey], [holder]).pipe(Effect.ignore)
          return Effect.acquireUseRelease(
            acquire,
            () => effect,
            () => release
          )
        }
      })
    })
  )
