/**
 * Use cases: changing a password (signed in, current password required) and resetting a forgotten one by an emailed
 * single-use link (30 minutes). Either way the new password meets the PasswordPolicy; a change logs out the
 * account's other sessions, a reset logs out all of them (and confirms the address: the link reached it). The
 * account owner is emailed after either, so a change they did not make does not go unnoticed.
 */
import { Effect, Option, Redacted } from "effect"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import type { AuditAction } from "../audit/Audit.ts"
import { Mailer } from "../notifications/ports/Mailer.ts"
import type { UserId } from "../shared/Ids.ts"
import { PublicLinks } from "../shared/ports/PublicLinks.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { claimToken, issueToken, spendToken, userOf } from "./AccountLinks.ts"
import * as AccountMail from "./AccountMail.ts"
import { withinMailBudget } from "./AccountMailBudget.ts"
import { denyAccessTokens } from "./Authentication.ts"
import { type Email, type Password, WrongPassword } from "./Identity.ts"
import { lockoutKey } from "./Lockout.ts"
import { checkPassword } from "./PasswordPolicy.ts"
import { IdentityRepository } from "./ports/IdentityRepository.ts"
import { LoginAttempts } from "./ports/LoginAttempts.ts"
import { PasswordHasher } from "./ports/PasswordHasher.ts"
import { SessionRepository } from "./ports/SessionRepository.ts"
import type { Principal, SessionId } from "./Principal.ts"

/** Sends an email off the caller's path; a delivery failure is logged, never the caller's failure. */
const mailLater = <R>(mail: Effect.Effect<void, { readonly _tag: string }, R>, what: string) =>
  Effect.forkDetach(
    mail.pipe(
      Effect.catch((e) => Effect.logError(`could not send ${what}`).pipe(Effect.annotateLogs({ error: e._tag })))
    )
  )

/**
 * Sets the password and revokes the account's sessions (but `keep`) as one unit of work holding the account, so no
 * refresh or login racing it leaves a session begun under the old password alive; then denies their access tokens.
 * `first` runs inside the same unit (a reset link is spent only if the password is set).
 */
const replacePassword = <E = never, R = never>(
  userId: UserId,
  passwordHash: string,
  options: { readonly keep?: SessionId | undefined; readonly first?: Effect.Effect<void, E, R> | undefined }
) =>
  Effect.gen(function* () {
    const repository = yield* IdentityRepository
    const sessions = yield* SessionRepository
    const transactions = yield* Transactions
    const revoked = yield* transactions.forAccount(userId)(
      Effect.gen(function* () {
        if (options.first !== undefined) yield* options.first
        yield* repository.setPassword(userId, passwordHash)
        return yield* sessions.revokeAllOf(userId, { keep: options.keep })
      })
    )
    for (const familyId of revoked) yield* denyAccessTokens(familyId)
    return revoked.length
  }).pipe(Effect.withSpan("Passwords.replacePassword"))

const auditEverywhere = Effect.fn("Passwords.audit")(function* (
  userId: UserId,
  action: AuditAction,
  details: Readonly<Record<string, number>>
) {
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  for (const membership of yield* repository.membershipsOf(userId))
    yield* audit.record({
      organizationId: membership.organizationId,
      actorUserId: userId,
      action,
      target: userId,
      details
    })
})

/**
 * The signed-in caller changes their password. A wrong current password counts as a failed login for the account
 * (the same lockout), so a stolen access token cannot be used to guess the password.
 */
export const changePassword = Effect.fn("Passwords.change")(function* (
  principal: Principal,
  input: { readonly current: Redacted.Redacted<string>; readonly next: Redacted.Redacted<Password> }
) {
  yield* checkPassword(input.next)
  const repository = yield* IdentityRepository
  const hasher = yield* PasswordHasher
  const attempts = yield* LoginAttempts
  const credentials = yield* repository.credentialsOf(principal.userId)
  if (Option.isNone(credentials)) return yield* new WrongPassword()
  const { user } = credentials.value
  const key = lockoutKey(user.email)
  const attempt = yield* attempts.acquire(key)
  const matches = yield* hasher.verify(input.current, credentials.value.passwordHash)
  if (!attempt.allowed) return yield* new WrongPassword()
  if (!matches) {
    yield* attempts.fail(key, attempt.attempt)
    return yield* new WrongPassword()
  }
  yield* attempts.reset(key)
  const passwordHash = yield* hasher.hash(Redacted.make(Redacted.value(input.next)))
  const revoked = yield* replacePassword(user.id, passwordHash, { keep: principal.sessionId })
  yield* auditEverywhere(user.id, "PASSWORD_CHANGED", { sessionsRevoked: revoked })
  yield* mailLater(
    Effect.gen(function* () {
      yield* (yield* Mailer).send(AccountMail.passwordChanged(user.email, yield* PublicLinks, "changed"))
    }),
    "a password-changed notice"
  )
})

/**
 * Asks for a reset link. The answer is the same for every address: the lookup, the token and the email happen off
 * the caller's path, so neither the answer nor its timing says whether the address has an account.
 */
export const requestReset = Effect.fn("Passwords.requestReset")(function* (email: Email) {
  const repository = yield* IdentityRepository
  // At most a few links an hour to one address (counted for every address, so it says nothing either).
  if (!(yield* withinMailBudget("reset", email))) return
  yield* mailLater(
    Effect.gen(function* () {
      const found = yield* repository.findCredentials(email)
      if (Option.isNone(found)) return
      const token = yield* issueToken(found.value.user.id, "reset_password")
      const links = yield* PublicLinks
      yield* (yield* Mailer).send(AccountMail.passwordReset(found.value.user.email, links.resetPassword(token)))
    }),
    "a password reset"
  )
})

/**
 * Redeems a reset link: in one unit of work the link is spent, the new password set and every session ended; the
 * address counts as confirmed.
 */
export const resetPassword = Effect.fn("Passwords.reset")(function* (token: string, next: Redacted.Redacted<Password>) {
  // The policy first: a refused password does not use up the link.
  yield* checkPassword(next)
  const repository = yield* IdentityRepository
  const hasher = yield* PasswordHasher
  const attempts = yield* LoginAttempts
  const passwordHash = yield* hasher.hash(Redacted.make(Redacted.value(next)))
  const claimed = yield* claimToken("reset_password", token)
  const userId = yield* userOf(claimed)
  // The link is spent in the same unit of work as the new password: if that fails, the link still works.
  const revoked = yield* replacePassword(userId, passwordHash, {
    first: Effect.andThen(spendToken(claimed), repository.markEmailVerified(userId))
  })
  yield* auditEverywhere(userId, "PASSWORD_RESET", { sessionsRevoked: revoked })
  const credentials = yield* repository.credentialsOf(userId)
  if (Option.isSome(credentials)) {
    const { email } = credentials.value.user
    // Whoever was locked out by guesses gets in with the new password.
    yield* attempts.reset(lockoutKey(email))
    yield* mailLater(
      Effect.gen(function* () {
        yield* (yield* Mailer).send(AccountMail.passwordChanged(email, yield* PublicLinks, "reset"))
      }),
      "a password-reset notice"
    )
  }
})
