/**
 * Use cases: a merchant signs up and confirms their address.
 *
 * - `register` answers the same whether or not the address has an account (no enumeration): a new address gets an
 *   organisation, an unverified owner and a verification link; an address that has an account gets an email saying
 *   so (with a fresh link if it was never confirmed) and nothing changes. Both paths hash the password and send one
 *   email, so they also take about as long.
 * - `verifyEmail` redeems the link once; `resendVerification` answers the same for every address.
 * The password must meet the PasswordPolicy, is hashed before anything is stored and never leaves in clear.
 */
import { Effect, Option, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import { Mailer } from "../notifications/ports/Mailer.ts"
import { OrgId, UserId } from "../shared/Ids.ts"
import { PublicLinks } from "../shared/ports/PublicLinks.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { issueToken, redeemToken } from "./AccountLinks.ts"
import * as AccountMail from "./AccountMail.ts"
import type { Email, OrganizationName, Password, User } from "./Identity.ts"
import { checkPassword } from "./PasswordPolicy.ts"
import { type Credentials, IdentityRepository } from "./ports/IdentityRepository.ts"
import { PasswordHasher } from "./ports/PasswordHasher.ts"

export interface RegisterInput {
  readonly organizationName: OrganizationName
  readonly email: Email
  readonly password: Redacted.Redacted<Password>
}

const sendVerification = Effect.fn("Registration.sendVerification")(function* (user: User) {
  const links = yield* PublicLinks
  const token = yield* issueToken(user.id, "verify_email")
  yield* (yield* Mailer).send(AccountMail.verification(user.email, links.verifyEmail(token)))
})

const tellExisting = Effect.fn("Registration.tellExisting")(function* (existing: Credentials) {
  const links = yield* PublicLinks
  const verifyLink = existing.verified
    ? undefined
    : links.verifyEmail(yield* issueToken(existing.user.id, "verify_email"))
  yield* (yield* Mailer).send(AccountMail.alreadyRegistered(existing.user.email, links, verifyLink))
})

/** Succeeds with nothing to tell: the caller learns only that an email is on its way to the address. */
export const register = Effect.fn("Registration.register")(function* (input: RegisterInput) {
  yield* checkPassword(input.password)
  const hasher = yield* PasswordHasher
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const transactions = yield* Transactions
  const passwordHash = yield* hasher.hash(Redacted.make(Redacted.value(input.password)))
  const existing = yield* repository.findCredentials(input.email)
  if (Option.isSome(existing)) return yield* tellExisting(existing.value)
  const organizationId = OrgId.make(randomUUID())
  const userId = UserId.make(randomUUID())
  const created = yield* transactions
    .inOrganization(organizationId)(
      Effect.gen(function* () {
        const registered = yield* repository.registerOwner({
          organizationId,
          userId,
          organizationName: input.organizationName,
          email: input.email,
          passwordHash
        })
        yield* audit.record({ organizationId, actorUserId: userId, action: "USER_REGISTERED", target: userId })
        return Option.some(registered.user)
      })
    )
    // Registered by a concurrent sign-up since we looked: that account's owner is told, like any other.
    .pipe(Effect.catchTag("EmailTaken", () => Effect.succeedNone))
  if (Option.isSome(created)) return yield* sendVerification(created.value)
  const raced = yield* repository.findCredentials(input.email)
  if (Option.isSome(raced)) yield* tellExisting(raced.value)
})

/** Redeems a verification link: the address is confirmed and the owner can log in. */
export const verifyEmail = Effect.fn("Registration.verifyEmail")(function* (token: string) {
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const userId = yield* redeemToken("verify_email", token)
  yield* repository.markEmailVerified(userId)
  for (const membership of yield* repository.membershipsOf(userId))
    yield* audit.record({
      organizationId: membership.organizationId,
      actorUserId: userId,
      action: "EMAIL_VERIFIED",
      target: userId
    })
})

/**
 * A new verification link for an unconfirmed account; unknown and confirmed addresses get nothing. The lookup and
 * the email happen off the caller's path, so the answer and its timing are the same for every address.
 */
export const resendVerification = Effect.fn("Registration.resendVerification")(function* (email: Email) {
  const repository = yield* IdentityRepository
  yield* Effect.forkDetach(
    Effect.gen(function* () {
      const found = yield* repository.findCredentials(email)
      if (Option.isSome(found) && !found.value.verified) yield* sendVerification(found.value.user)
    }).pipe(
      Effect.catch((e) =>
        Effect.logError("could not resend a verification email").pipe(Effect.annotateLogs({ error: e._tag }))
      )
    )
  )
})
