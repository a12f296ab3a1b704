/** Account lockout policy: `threshold` failures within `window` lock the account for `lockFor`. */
import { Duration } from "effect"
import { createHash } from "node:crypto"
import type { Email } from "./Identity.ts"

export interface LockoutPolicy {
  readonly threshold: number
  readonly window: Duration.Duration
  readonly lockFor: Duration.Duration
}

export const defaultLockout: LockoutPolicy = {
  threshold: 5,
  window: Duration.minutes(15),
  lockFor: Duration.minutes(15)
}

/** The store key for an email: hashed, so lockout state never holds the address itself. */
export const lockoutKey = (email: Email) => createHash("sha256").update(`lockout:${email}`).digest("base64url")
