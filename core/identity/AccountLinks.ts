/**
 * Issuing and redeeming the one-time links of the account lifecycle (confirm a sign-up, reset a password). The
 * expiry is decided here, on the core's clock (TestClock in tests), not by the store. Redeeming is two steps so a
 * use case can spend the link in the same unit of work as the change it pays for: `claimToken` checks the link,
 * `spendToken` marks it used (once, however many race).
 */
import { DateTime, Effect, Option } from "effect"
import type { UserId } from "../shared/Ids.ts"
import {
  InvalidAccountToken,
  newAccountToken,
  parseAccountToken,
  TOKEN_TTL,
  type TokenPurpose,
  verifierMatches
} from "./AccountTokens.ts"
import {
  AccountTokenRepository,
  type PendingSignUp,
  type StoredAccountToken,
  type TokenSubject
} from "./ports/AccountTokenRepository.ts"

const issue = Effect.fn("AccountLinks.issue")(function* (subject: TokenSubject, purpose: TokenPurpose) {
  const tokens = yield* AccountTokenRepository
  const fresh = newAccountToken()
  const expiresAt = DateTime.addDuration(yield* DateTime.now, TOKEN_TTL[purpose])
  yield* tokens.issue({ selector: fresh.selector, subject, purpose, verifierHash: fresh.verifierHash, expiresAt })
  return fresh.token
})

/** A new token for the user (their older unused ones of this purpose stop working); the clear text goes in a link. */
export const issueToken = (userId: UserId, purpose: TokenPurpose) => issue({ _tag: "User", userId }, purpose)

/** A link confirming a pending sign-up (older unused ones for the address stop working). */
export const issueSignUp = (signUp: PendingSignUp) => issue({ _tag: "SignUp", signUp }, "sign_up")

/** The stored token, if the presented one is ours, unused, unexpired and of this purpose; not yet spent. */
export const claimToken = Effect.fn("AccountLinks.claim")(function* (purpose: TokenPurpose, presented: string) {
  const parsed = parseAccountToken(presented)
  if (parsed === undefined) return yield* new InvalidAccountToken()
  const tokens = yield* AccountTokenRepository
  const stored = yield* tokens.find(parsed.selector)
  if (Option.isNone(stored)) return yield* new InvalidAccountToken()
  const token = stored.value
  const matches = verifierMatches(parsed.verifier, token.verifierHash)
  const now = yield* DateTime.now
  if (!matches || token.used || token.purpose !== purpose || !DateTime.isGreaterThan(token.expiresAt, now))
    return yield* new InvalidAccountToken()
  return token
})

/** Marks a claimed token used: InvalidAccountToken if someone else spent it first. */
export const spendToken = Effect.fn("AccountLinks.spend")(function* (token: StoredAccountToken) {
  const tokens = yield* AccountTokenRepository
  if (!(yield* tokens.markUsed(token.selector))) return yield* new InvalidAccountToken()
})

/** The user a claimed token is for; a sign-up's token (no user yet) is not valid where a user's is expected. */
export const userOf = (token: StoredAccountToken) =>
  token.subject._tag === "User" ? Effect.succeed(token.subject.userId) : Effect.fail(new InvalidAccountToken())
