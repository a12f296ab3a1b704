/**
 * Port: failed-login counting for account lockout. Keys are opaque (a hash of the email), so the store never
 * holds addresses. Failures count within a window; reaching the threshold locks the key for a while.
 */
import { Context, type Effect } from "effect"
import type { CacheError } from "../../shared/errors.ts"

export interface LoginAttemptsShape {
  readonly isLocked: (key: string) => Effect.Effect<boolean, CacheError>
  /** Counts a failure; `locked` is true when this failure reached the threshold. */
  readonly recordFailure: (key: string) => Effect.Effect<{ readonly failures: number; readonly locked: boolean }, CacheError>
  readonly reset: (key: string) => Effect.Effect<void, CacheError>
}

export class LoginAttempts extends Context.Service<LoginAttempts, LoginAttemptsShape>()(
  "tradeport/core/identity/ports/LoginAttempts"
) {}
