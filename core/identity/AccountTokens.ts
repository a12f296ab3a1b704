/**
 * One-time account tokens (a sign-up's confirmation, password reset): `<selector>.<verifier>`, two random values. The
 * selector finds the stored row; only the verifier's SHA-256 is stored, and it is compared in constant time. A token
 * is single use (the store's markUsed is a conditional write) and expires.
 */
import { Duration, Schema } from "effect"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

/**
 * `sign_up` confirms a pending sign-up (the account is created only then); `reset_password` sets a new password.
 * `verify_email` confirmed an account created at sign-up: no longer issued, and no longer honoured.
 */
export const TokenPurpose = Schema.Literals(["sign_up", "verify_email", "reset_password"])
export type TokenPurpose = typeof TokenPurpose.Type

export const TOKEN_TTL: Readonly<Record<TokenPurpose, Duration.Duration>> = {
  sign_up: Duration.hours(24),
  verify_email: Duration.hours(24),
  reset_password: Duration.minutes(30)
}

/** The token is unknown, expired, already used or for another purpose: deliberately indistinguishable. */
export class InvalidAccountToken extends Schema.TaggedError<InvalidAccountToken>()("InvalidAccountToken", {}) {}

const SELECTOR = /^[A-Za-z0-9_-]{22}$/
const VERIFIER = /^[A-Za-z0-9_-]{43}$/

export const hashVerifier = (verifier: string): Uint8Array => createHash("sha256").update(verifier, "utf8").digest()

export const newAccountToken = () => {
  const selector = randomBytes(16).toString("base64url")
  const verifier = randomBytes(32).toString("base64url")
  return { token: `${selector}.${verifier}`, selector, verifierHash: hashVerifier(verifier) }
}

/** Splits a presented token; anything not shaped like one of ours is undefined (and costs no lookup). */
export const parseAccountToken = (presented: string) => {
  const [selector, verifier, ...rest] = presented.split(".")
  if (selector === undefined || verifier === undefined || rest.length > 0) return undefined
  if (!SELECTOR.test(selector) || !VERIFIER.test(verifier)) return undefined
  return { selector, verifier }
}

export const verifierMatches = (verifier: string, stored: Uint8Array) => {
  const presented = hashVerifier(verifier)
  return presented.length === stored.length && timingSafeEqual(presented, stored)
}
