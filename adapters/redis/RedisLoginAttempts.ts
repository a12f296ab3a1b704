/**
 * LoginAttempts on Redis, shared by every instance. `{prefix}auth:fail:{key}` counts attempts within the window
 * (reserved atomically by one script before the password is checked); `{prefix}auth:lock:{key}` holds the lock
 * for its TTL. When Redis fails, the in-process fallback answers that call (counted in
 * `auth_lockout_fallback_total`), so lockout degrades to per-instance, never to off. Which in-process store
 * that is, the wiring decides (apps/shared/Infrastructure.ts passes the memory adapter's `make`).
 */
import { Duration, Effect, Layer, Metric } from "effect"
import type { LockoutPolicy } from "../../core/identity/Lockout.ts"
import { LoginAttempts, type LoginAttemptsShape } from "../../core/identity/ports/LoginAttempts.ts"
import { RedisConnection } from "./RedisConnection.ts"

/** Returns -1 while locked, else the attempt number (the counter expires with the window). */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`

const fallbacks = Metric.counter("auth_lockout_fallback_total", {
  description: "Lockout decisions served in-process because Redis failed"
})

export const layer = (policy: LockoutPolicy, fallbackStore: Effect.Effect<LoginAttemptsShape>, prefix = "tradeport:") =>
  Layer.effect(
    LoginAttempts,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      const acquireScript = redis.script({ name: "lockout_acquire", lua: ACQUIRE, keys: 2 })
      const fallback = yield* fallbackStore
      const failKey = (key: string) => `${prefix}auth:fail:${key}`
      const lockKey = (key: string) => `${prefix}auth:lock:${key}`
      const orFallback = <A>(operation: Effect.Effect<A, unknown>, local: Effect.Effect<A, unknown>) =>
        operation.pipe(
          Effect.catch(() =>
            Metric.update(fallbacks, 1).pipe(
              Effect.andThen(Effect.logWarning("lockout store unavailable, using the in-process fallback")),
              Effect.andThen(Effect.orDie(local))
            )
          )
        )
      const shape: LoginAttemptsShape = {
        acquire: (key) =>
          orFallback(
            acquireScript([failKey(key), lockKey(key)], [String(Duration.toMillis(policy.window))]).pipe(
              Effect.map((reply) => {
                const n = Number(reply)
                return n < 0
                  ? { allowed: false, attempt: policy.threshold }
                  : { allowed: n <= policy.threshold, attempt: n }
              })
            ),
            fallback.acquire(key)
          ),
        fail: (key, attempt) =>
          attempt < policy.threshold
            ? Effect.succeed({ locked: false })
            : orFallback(
                redis
                  .use("lockout.lock", (c) => c.set(lockKey(key), "1", "PX", Duration.toMillis(policy.lockFor)))
                  .pipe(Effect.as({ locked: attempt === policy.threshold })),
                fallback.fail(key, attempt)
              ),
        reset: (key) =>
          orFallback(
            redis.use("lockout.reset", (c) => c.del(failKey(key), lockKey(key))).pipe(Effect.asVoid),
            fallback.reset(key)
          )
      }
      return LoginAttempts.of(shape)
    })
  )
