/**
 * LoginAttempts in process memory, on the Effect Clock (so tests drive the window and the lock with TestClock).
 * Serves single-process mode and is the fallback when Redis is unreachable: lockout never silently switches off.
 */
import { Clock, Duration, Effect, Layer, Ref } from "effect"
import type { LockoutPolicy } from "../../core/identity/Lockout.ts"
import { LoginAttempts, type LoginAttemptsShape } from "../../core/identity/ports/LoginAttempts.ts"

interface Entry {
  readonly failures: number
  readonly windowEndsAt: number
  readonly lockedUntil: number
}

export const make = (policy: LockoutPolicy) =>
  Effect.gen(function*() {
    const entries = yield* Ref.make(new Map<string, Entry>())
    const now = Clock.currentTimeMillis
    const shape: LoginAttemptsShape = {
      isLocked: (key) =>
        Effect.gen(function*() {
          const t = yield* now
          return ((yield* Ref.get(entries)).get(key)?.lockedUntil ?? 0) > t
        }),
      recordFailure: (key) =>
        Effect.gen(function*() {
          const t = yield* now
          return yield* Ref.modify(entries, (all) => {
            const current = all.get(key)
            const fresh = current === undefined || current.windowEndsAt <= t
            const failures = fresh ? 1 : current.failures + 1
            const lock = failures >= policy.threshold
            const entry: Entry = {
              failures,
              windowEndsAt: fresh ? t + Duration.toMillis(policy.window) : current.windowEndsAt,
              lockedUntil: lock ? t + Duration.toMillis(policy.lockFor) : (current?.lockedUntil ?? 0)
            }
            // `locked` reports the failure that reached the threshold, once, as the Redis adapter does.
            return [{ failures, locked: failures === policy.threshold }, new Map(all).set(key, entry)]
          })
        }),
      reset: (key) =>
        Ref.update(entries, (all) => {
          const next = new Map(all)
          next.delete(key)
          return next
        })
    }
    return shape
  })

export const layer = (policy: LockoutPolicy) => Layer.effect(LoginAttempts, make(policy).pipe(Effect.map(LoginAttempts.of)))
