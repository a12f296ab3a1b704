/**
 * LoginAttempts in process memory, on the Effect Clock (so tests drive the window and the lock with TestClock).
 * Serves single-process mode and is the fallback when Redis is unreachable: lockout never silently switches off.
 * Each call changes one entry in place (JavaScript runs it to completion, so it is atomic); entries whose window and
 * lock have both ended are dropped a bounded slice at a time, so memory follows the accounts seen recently and no
 * failed login pays for the others.
 */
import { Clock, Duration, Effect, Layer } from "effect"
import type { LockoutPolicy } from "../../core/identity/Lockout.ts"
import { LoginAttempts, type LoginAttemptsShape } from "../../core/identity/ports/LoginAttempts.ts"

interface Entry {
  attempts: number
  windowEndsAt: number
  lockedUntil: number
}

export const make = (policy: LockoutPolicy) =>
  Effect.sync(() => {
    const entries = new Map<string, Entry>()
    let nextSweep = 0
    let sweeping: Iterator<[string, Entry]> | undefined
    const sweep = (now: number) => {
      if (sweeping === undefined) {
        if (now < nextSweep) return
        nextSweep = now + 1_000
        sweeping = entries.entries()
      }
      for (let i = 0; i < 1_000; i++) {
        const next = sweeping.next()
        if (next.done === true) {
          sweeping = undefined
          return
        }
        const [key, entry] = next.value
        if (entry.windowEndsAt <= now && entry.lockedUntil <= now) entries.delete(key)
      }
    }
    const now = Clock.clockWith((clock) => Effect.sync(() => clock.currentTimeMillisUnsafe()))
    const shape: LoginAttemptsShape = {
      acquire: (key) =>
        Effect.map(now, (t) => {
          sweep(t)
          const current = entries.get(key)
          if (current !== undefined && current.lockedUntil > t) return { allowed: false, attempt: current.attempts }
          if (current === undefined || current.windowEndsAt <= t) {
            const windowEndsAt = t + Duration.toMillis(policy.window)
            entries.set(key, { attempts: 1, windowEndsAt, lockedUntil: current?.lockedUntil ?? 0 })
            return { allowed: 1 <= policy.threshold, attempt: 1 }
          }
          current.attempts += 1
          return { allowed: current.attempts <= policy.threshold, attempt: current.attempts }
        }),
      fail: (key, attempt) =>
        Effect.map(now, (t) => {
          if (attempt < policy.threshold) return { locked: false }
          const current = entries.get(key)
          if (current !== undefined) current.lockedUntil = t + Duration.toMillis(policy.lockFor)
          return { locked: attempt === policy.threshold }
        }),
      reset: (key) =>
        Effect.sync(() => {
          entries.delete(key)
        })
    }
    /** How many accounts the store holds (for tests of its memory bound). */
    const size = Effect.sync(() => entries.size)
    return { ...shape, size }
  })

export const layer = (policy: LockoutPolicy) =>
  Layer.effect(LoginAttempts, make(policy).pipe(Effect.map(LoginAttempts.of)))
