/**
 * Issuing and redeeming the one-time links of the account lifecycle (verify an address, reset a password). The
 * expiry is decided here, on the core's clock (TestClock in tests), not by the store.
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
import { AccountTokenRepository } from "./ports/AccountTokenRepository.ts"

/** A new token for the user (their older unused ones of this purpose stop working); the clear text goes in a link. */
export const issueToken = Effect.fn("AccountLinks.issue")(function* (userId: UserId, purpose: TokenPurpose) {
  const tokens = yield* AccountTokenRepository
  const fresh = newAccountToken()
  const expiresAt = DateTime.addDuration(yield* DateTime.now, TOKEN_TTL[purpose])
  yield* tokens.issue({ selector: fresh.selector, userId, purpose, verifierHash: fresh.verifierHash, expiresAt })
  return fresh.token
})

/** The token's owner, once: unknown, mismatched, expired, used or other-purpose tokens are all InvalidAccountToken. */
export const redeemToken = Effect.fn("AccountLinks.redeem")(function* (purpose: TokenPurpose, presented: string) {
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
  if (!(yield* tokens.markUsed(token.selector))) return yield* new InvalidAccountToken()
  return token.userId
})
