/**
 * LoginAttempts in process memory, on the Effect Clock (so tests drive the window and the lock with TestClock).
 * Serves single-process mode and is the fallback when Redis is unreachable: lockout never silently switches off.
 */
import { Clock, Duration, Effect, Layer, Ref } from "effect"
import type { LockoutPolicy } from "../../core/identity/Lockout.ts"
import { LoginAttempts, type LoginAttemptsShape } from "../../core/identity/ports/LoginAttempts.ts"

interface Entry {
  readonly attempts: number
  readonly windowEndsAt: number
  readonly lockedUntil: number
}

export const make = (policy: LockoutPolicy) =>
  Effect.gen(function* () {
    const entries = yield* Ref.make(new Map<string, Entry>())
    const shape: LoginAttemptsShape = {
      acquire: (key) =>
        Effect.gen(function* () {
          const t = yield* Clock.currentTimeMillis
          return yield* Ref.modify(
            entries,
            (all): readonly [{ allowed: boolean; attempt: number }, Map<string, Entry>] => {
              const current = all.get(key)
              if (current !== undefined && current.lockedUntil > t)
                return [{ allowed: false, attempt: current.attempts }, all]
              const fresh = current === undefined || current.windowEndsAt <= t
              const attempts = fresh ? 1 : current.attempts + 1
              const entry: Entry = {
                attempts,
                windowEndsAt: fresh ? t + Duration.toMillis(policy.window) : current.windowEndsAt,
                lockedUntil: current?.lockedUntil ?? 0
              }
              return [{ allowed: attempts <= policy.threshold, attempt: attempts }, new Map(all).set(key, entry)]
            }
          )
        }),
      fail: (key, attempt) =>
        Effect.gen(function* () {
          if (attempt < policy.threshold) return { locked: false }
          const t = yield* Clock.currentTimeMillis
          yield* Ref.update(entries, (all) => {
            const current = all.get(key)
            return current === undefined
              ? all
              : new Map(all).set(key, { ...current, lockedUntil: t + Duration.toMillis(policy.lockFor) })
          })
          return { locked: attempt === policy.threshold }
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

export const layer = (policy: LockoutPolicy) =>
  Layer.effect(LoginAttempts, make(policy).pipe(Effect.map(LoginAttempts.of)))
