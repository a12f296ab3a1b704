/**
 * The identity use cases on memory adapters (fast scrypt), for unit tests driven by TestClock; email goes over real
 * SMTP to a loopback server (test/support/Mail.ts).
 */
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import * as HmacAccessTokens from "../../adapters/crypto/HmacAccessTokens.ts"
import * as ScryptPasswordHasher from "../../adapters/crypto/ScryptPasswordHasher.ts"
import * as MemoryAuditLog from "../../adapters/memory/MemoryAuditLog.ts"
import * as MemoryRateCounter from "../../adapters/memory/MemoryRateCounter.ts"
import * as MemoryIdentityRepository from "../../adapters/memory/MemoryIdentityRepository.ts"
import * as MemoryLoginAttempts from "../../adapters/memory/MemoryLoginAttempts.ts"
import * as MemoryRevokedSessions from "../../adapters/memory/MemoryRevokedSessions.ts"
import * as MemoryTransactions from "../../adapters/memory/MemoryTransactions.ts"
import * as MemorySessionRepository from "../../adapters/memory/MemorySessionRepository.ts"
import * as MemoryAccountTokenRepository from "../../adapters/memory/MemoryAccountTokenRepository.ts"
import { defaultLockout } from "../../core/identity/Lockout.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { register, type RegisterInput, verifyEmail } from "../../core/identity/Registration.ts"
import { nextMail, TestMail, tokenIn } from "./Mail.ts"

/** Signs up, follows the emailed verification link, and gives the new organisation and owner. */
export const signUpVerified = (input: RegisterInput) =>
  Effect.gen(function* () {
    yield* register(input)
    yield* verifyFromMail(input.email)
    const repository = yield* IdentityRepository
    const credentials = yield* repository.findCredentials(input.email)
    if (Option.isNone(credentials)) return yield* Effect.die(new Error("signed up, but no account"))
    const user = credentials.value.user
    const [membership] = yield* repository.membershipsOf(user.id)
    if (membership === undefined) return yield* Effect.die(new Error("signed up, but no membership"))
    return { user, organization: { id: membership.organizationId } }
  })

/** Follows the verification link emailed to `email` (after a register). */
export const verifyFromMail = (email: string) =>
  Effect.gen(function* () {
    const mail = yield* nextMail(email, /Confirm your email/)
    yield* verifyEmail(tokenIn(mail))
  })

/** What the identity use cases need besides their stores: lockout, revocation cache, fast scrypt, access tokens. */
export const IdentityServices = Layer.mergeAll(
  MemoryLoginAttempts.layer(defaultLockout),
  MemoryRevokedSessions.layer,
  ScryptPasswordHasher.layer({ log2N: 10, r: 8, p: 1 }),
  HmacAccessTokens.layer({
    secret: Redacted.make("unit-test-secret-unit-test-secret-0123"),
    issuer: "tradeport",
    audience: "tradeport-api",
    ttl: Duration.minutes(15)
  })
)

export const MemoryIdentity = Layer.mergeAll(
  MemoryAccountTokenRepository.layer,
  TestMail,
  // One identity store, shared with the session store (which checks a new session's password against it).
  MemorySessionRepository.layer.pipe(Layer.provideMerge(MemoryIdentityRepository.layer)),
  MemoryTransactions.layer,
  MemoryAuditLog.layer,
  MemoryRateCounter.layer,
  IdentityServices
)
