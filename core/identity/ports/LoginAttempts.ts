/**
 * Port: failed-login accounting for account lockout. An attempt is reserved atomically BEFORE the password is
 * checked, so a burst of concurrent guesses cannot all slip past the threshold while one check is in flight.
 * Keys are opaque (a hash of the email), so the store never holds addresses.
 */
import { Context, type Effect } from "effect"
import type { CacheError } from "../../shared/errors.ts"

export interface LoginAttemptsShape {
  /** Reserves an attempt: refused while locked or once `threshold` attempts are in the current window. */
  readonly acquire: (key: string) => Effect.Effect<{ readonly allowed: boolean; readonly attempt: number }, CacheError>
  /** Records that the reserved attempt failed; `locked` is true for the failure that locks the key (once). */
  readonly fail: (key: string, attempt: number) => Effect.Effect<{ readonly locked: boolean }, CacheError>
  /** A successful login clears the count (and any lock). */
  readonly reset: (key: string) => Effect.Effect<void, CacheError>
}

export class LoginAttempts extends Context.Service<LoginAttempts, LoginAttemptsShape>()(
  "tradeport/core/identity/ports/LoginAttempts"
) {}
