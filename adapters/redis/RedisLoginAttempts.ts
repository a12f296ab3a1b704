/**
 * LoginAttempts on Redis, shared by every instance: `{prefix}auth:fail:{key}` counts failures within the window (one
 * atomic script: INCR, expiry on first failure, lock at the threshold); `{prefix}auth:lock:{key}` holds the lock for its
 * TTL. When Redis fails, the in-process fallback takes over for that call (counted in
 * `auth_lockout_fallback_total`), so lockout degrades to per-instance, never to off.
 */
import { Duration, Effect, Layer, Metric } from "effect"
import type { LockoutPolicy } from "../../core/identity/Lockout.ts"
import { LoginAttempts, type LoginAttemptsShape } from "../../core/identity/ports/LoginAttempts.ts"
import * as MemoryLoginAttempts from "../memory/MemoryLoginAttempts.ts"
import { RedisConnection } from "./RedisConnection.ts"

const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then redis.call('SET', KEYS[2], '1', 'PX', ARGV[3]) end
return n`

const fallbacks = Metric.counter("auth_lockout_fallback_total", { description: "Lockout decisions served in-process because Redis failed" })

export const layer = (policy: LockoutPolicy, prefix = "tradeport:") =>
  Layer.effect(
    LoginAttempts,
    Effect.gen(function*() {
      const redis = yield* RedisConnection
      const fallback = yield* MemoryLoginAttempts.make(policy)
      const failKey = (key: string) => `${prefix}auth:fail:${key}`
      const lockKey = (key: string) => `${prefix}auth:lock:${key}`
      const orFallback = <A>(operation: Effect.Effect<A, unknown>, local: Effect.Effect<A, never>) =>
        operation.pipe(
          Effect.catch(() =>
            Metric.update(fallbacks, 1).pipe(
              Effect.andThen(Effect.logWarning("lockout store unavailable, using the in-process fallback")),
              Effect.andThen(local)
            )
          )
        )
      const shape: LoginAttemptsShape = {
        isLocked: (key) =>
          orFallback(redis.use("lockout.isLocked", (c) => c.exists(lockKey(key))).pipe(Effect.map((n) => n === 1)), fallback.isLocked(key).pipe(Effect.orDie)),
        recordFailure: (key) =>
          orFallback(
            redis.use("lockout.recordFailure", (c) =>
              c.eval(
                RECORD_FAILURE, 2, failKey(key), lockKey(key),
                String(Duration.toMillis(policy.window)), String(policy.threshold), String(Duration.toMillis(policy.lockFor))
              )
            ).pipe(Effect.map((n) => ({ failures: Number(n), locked: Number(n) === policy.threshold }))),
            fallback.recordFailure(key).pipe(Effect.orDie)
          ),
        reset: (key) =>
          orFallback(redis.use("lockout.reset", (c) => c.del(failKey(key), lockKey(key))).pipe(Effect.asVoid), fallback.reset(key).pipe(Effect.orDie))
      }
      return LoginAttempts.of(shape)
    })
  )
