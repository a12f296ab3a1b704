/**
 * Use case: a merchant signs up. Creates the organisation and its owner in one step; the password must meet the
 * PasswordPolicy, is hashed before anything is stored and never leaves this function in clear.
 */
import { Effect, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import { OrgId, UserId } from "../shared/Ids.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import type { Email, OrganizationName, Password } from "./Identity.ts"
import { checkPassword } from "./PasswordPolicy.ts"
import { IdentityRepository } from "./ports/IdentityRepository.ts"
import { PasswordHasher } from "./ports/PasswordHasher.ts"

export interface RegisterInput {
  readonly organizationName: OrganizationName
  readonly email: Email
  readonly password: Redacted.Redacted<Password>
}

export const register = Effect.fn("Registration.register")(function* (input: RegisterInput) {
  yield* checkPassword(input.password)
  const hasher = yield* PasswordHasher
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const transactions = yield* Transactions
  const passwordHash = yield* hasher.hash(Redacted.make(Redacted.value(input.password)))
  const organizationId = OrgId.make(randomUUID())
  const userId = UserId.make(randomUUID())
  return yield* transactions.inOrganization(organizationId)(
    Effect.gen(function* () {
      const registered = yield* repository.registerOwner({
        organizationId,
        userId,
        organizationName: input.organizationName,
        email: input.email,
        passwordHash
      })
      yield* audit.record({ organizationId, actorUserId: userId, action: "USER_REGISTERED", target: userId })
      return registered
    })
  )
})
