/**
 * Use cases: a merchant signs up and confirms their address.
 *
 * - `register` creates no account: it keeps the sign-up (organisation name, address, password hash) with a one-time
 *   link emailed to the address, and answers the same whatever the address. An address that already has an account
 *   is emailed a notice instead — with a link to choose a new password if the account was never confirmed (its
 *   password may be someone else's), never a link that would confirm it as it is. Both paths hash the password and
 *   send one email, so they also take about as long.
 * - `verifyEmail` redeems the link once and only then creates the organisation and its (confirmed) owner, so a
 *   stranger who signs up with someone's address never holds an account there, and a login for an address without a
 *   confirmed account is just a wrong password.
 * - `resendVerification` answers the same for every address.
 * Confirmation emails to one address are budgeted (AccountMailBudget): past it, nothing is sent and nothing is said.
 * The password must meet the PasswordPolicy, is hashed before anything is stored and never leaves in clear.
 */
import { Effect, Option, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import { Mailer } from "../notifications/ports/Mailer.ts"
import { OrgId, UserId } from "../shared/Ids.ts"
import { PublicLinks } from "../shared/ports/PublicLinks.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { claimToken, issueSignUp, issueToken, spendToken } from "./AccountLinks.ts"
import * as AccountMail from "./AccountMail.ts"
import { withinMailBudget } from "./AccountMailBudget.ts"
import { InvalidAccountToken } from "./AccountTokens.ts"
import type { Email, OrganizationName, Password } from "./Identity.ts"
import { checkPassword } from "./PasswordPolicy.ts"
import { AccountTokenRepository, type PendingSignUp } from "./ports/AccountTokenRepository.ts"
import { type Credentials, IdentityRepository } from "./ports/IdentityRepository.ts"
import { PasswordHasher } from "./ports/PasswordHasher.ts"

export interface RegisterInput {
  readonly organizationName: OrganizationName
  readonly email: Email
  readonly password: Redacted.Redacted<Password>
}

const sendSignUpLink = Effect.fn("Registration.sendSignUpLink")(function* (signUp: PendingSignUp) {
  const links = yield* PublicLinks
  const token = yield* issueSignUp(signUp)
  yield* (yield* Mailer).send(AccountMail.verification(signUp.email, links.verifyEmail(token)))
})

/** The address has an account: its owner is told; an unconfirmed one gets a link to choose a new password. */
const tellExisting = Effect.fn("Registration.tellExisting")(function* (existing: Credentials) {
  const links = yield* PublicLinks
  const resetLink = existing.verified
    ? undefined
    : links.resetPassword(yield* issueToken(existing.user.id, "reset_password"))
  yield* (yield* Mailer).send(AccountMail.alreadyRegistered(existing.user.email, links, resetLink))
})

/** Succeeds with nothing to tell: the caller learns only that an email is on its way to the address. */
export const register = Effect.fn("Registration.register")(function* (input: RegisterInput) {
  yield* checkPassword(input.password)
  const hasher = yield* PasswordHasher
  const repository = yield* IdentityRepository
  const passwordHash = yield* hasher.hash(Redacted.make(Redacted.value(input.password)))
  // Counted for every address before looking it up: over budget, nothing is sent, and the answer is the same.
  if (!(yield* withinMailBudget("confirm", input.email))) return
  const existing = yield* repository.findCredentials(input.email)
  if (Option.isSome(existing)) return yield* tellExisting(existing.value)
  yield* sendSignUpLink({ email: input.email, organizationName: input.organizationName, passwordHash })
})

/**
 * Redeems a sign-up link: the organisation and its owner are created now, confirmed, and the owner can log in. The
 * link is spent in the same unit of work, so a failure leaves it usable. If the address got an account meanwhile,
 * the link is refused (and its owner was told at that sign-up).
 */
export const verifyEmail = Effect.fn("Registration.verifyEmail")(function* (token: string) {
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const transactions = yield* Transactions
  const claimed = yield* claimToken("sign_up", token)
  if (claimed.subject._tag !== "SignUp") return yield* new InvalidAccountToken()
  const { signUp } = claimed.subject
  const organizationId = OrgId.make(randomUUID())
  const userId = UserId.make(randomUUID())
  yield* transactions
    .inOrganization(organizationId)(
      Effect.gen(function* () {
        yield* spendToken(claimed)
        yield* repository.registerOwner({
          organizationId,
          userId,
          organizationName: signUp.organizationName,
          email: signUp.email,
          passwordHash: signUp.passwordHash
        })
        yield* audit.record({ organizationId, actorUserId: userId, action: "USER_REGISTERED", target: userId })
        yield* audit.record({ organizationId, actorUserId: userId, action: "EMAIL_VERIFIED", target: userId })
      })
    )
    .pipe(Effect.catchTag("EmailTaken", () => Effect.fail(new InvalidAccountToken())))
})

/**
 * A new link for a pending sign-up (the same sign-up, a fresh link), or a new-password link for an unconfirmed
 * account; confirmed and unknown addresses get nothing. The lookup and the email happen off the caller's path, so the
 * answer and its timing are the same for every address.
 */
export const resendVerification = Effect.fn("Registration.resendVerification")(function* (email: Email) {
  const repository = yield* IdentityRepository
  const tokens = yield* AccountTokenRepository
  if (!(yield* withinMailBudget("confirm", email))) return
  yield* Effect.forkDetach(
    Effect.gen(function* () {
      const found = yield* repository.findCredentials(email)
      if (Option.isSome(found)) {
        if (!found.value.verified) yield* tellExisting(found.value)
        return
      }
      const pending = yield* tokens.pendingSignUp(email)
      if (Option.isSome(pending)) yield* sendSignUpLink(pending.value)
    }).pipe(
      Effect.catch((e) =>
        Effect.logError("could not resend a verification email").pipe(Effect.annotateLogs({ error: e._tag }))
      )
    )
  )
})
