/**
 * Use cases on an organisation's members, always acting as the calling Principal inside its own organisation
 * (whose role the HTTP edge has just re-read from the database). Every mutation checks the caller's role first
 * and writes its audit entry in the same transaction as the change.
 */
import { Effect, Option, Redacted } from "effect"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import type { UserId } from "../shared/Ids.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { type Email, MemberNotFound, type Password, type Role } from "./Identity.ts"
import { denyAccessTokens } from "./Authentication.ts"
import { checkPassword } from "./PasswordPolicy.ts"
import { SessionRepository } from "./ports/SessionRepository.ts"
import { IdentityRepository } from "./ports/IdentityRepository.ts"
import { PasswordHasher } from "./ports/PasswordHasher.ts"
import type { Principal } from "./Principal.ts"
import { requiredToChange, requireRole } from "./Roles.ts"

export const me = Effect.fn("Members.me")(function* (principal: Principal) {
  const repository = yield* IdentityRepository
  const member = yield* repository.member(principal.organizationId, principal.userId)
  const organization = yield* repository.organization(principal.organizationId)
  if (Option.isNone(member) || Option.isNone(organization)) return yield* new MemberNotFound()
  return { member: member.value, organization: organization.value }
})

export const list = Effect.fn("Members.list")(function* (principal: Principal) {
  const repository = yield* IdentityRepository
  return yield* repository.listMembers(principal.organizationId)
})

export const add = Effect.fn("Members.add")(function* (
  principal: Principal,
  input: { readonly email: Email; readonly password: Redacted.Redacted<Password>; readonly role: Role }
) {
  yield* requireRole(principal.role, input.role === "owner" ? "owner" : "admin")
  yield* checkPassword(input.password)
  const repository = yield* IdentityRepository
  const hasher = yield* PasswordHasher
  const audit = yield* AuditLog
  const transactions = yield* Transactions
  const passwordHash = yield* hasher.hash(Redacted.make(Redacted.value(input.password)))
  return yield* transactions.inOrganization(principal.organizationId)(
    Effect.gen(function* () {
      const member = yield* repository.addMember(principal.organizationId, {
        email: input.email,
        passwordHash,
        role: input.role
      })
      yield* audit.record({
        organizationId: principal.organizationId,
        actorUserId: principal.userId,
        action: "MEMBER_ADDED",
        target: member.userId,
        details: { role: input.role }
      })
      return member
    })
  )
})

export const changeRole = Effect.fn("Members.changeRole")(function* (principal: Principal, userId: UserId, to: Role) {
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const target = yield* repository.member(principal.organizationId, userId)
  if (Option.isNone(target)) return yield* new MemberNotFound()
  yield* requireRole(principal.role, requiredToChange(target.value.role, to))
  const transactions = yield* Transactions
  return yield* transactions.inOrganization(principal.organizationId)(
    Effect.gen(function* () {
      const updated = yield* repository.changeRole(principal.organizationId, userId, target.value.role, to)
      yield* audit.record({
        organizationId: principal.organizationId,
        actorUserId: principal.userId,
        action: "ROLE_CHANGED",
        target: userId,
        details: { from: target.value.role, to }
      })
      return updated
    })
  )
})

export const remove = Effect.fn("Members.remove")(function* (principal: Principal, userId: UserId) {
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const target = yield* repository.member(principal.organizationId, userId)
  if (Option.isNone(target)) return yield* new MemberNotFound()
  yield* requireRole(principal.role, target.value.role === "owner" ? "owner" : "admin")
  const transactions = yield* Transactions
  yield* transactions.inOrganization(principal.organizationId)(
    Effect.gen(function* () {
      yield* repository.removeMember(principal.organizationId, userId, target.value.role)
      yield* audit.record({
        organizationId: principal.organizationId,
        actorUserId: principal.userId,
        action: "MEMBER_REMOVED",
        target: userId
      })
    })
  )
  // Their sessions in this organisation end now: re-added later, they log in afresh.
  const sessions = yield* SessionRepository
  for (const familyId of yield* sessions.revokeAllOf(userId, { organizationId: principal.organizationId }))
    yield* denyAccessTokens(familyId)
})

export const auditTrail = Effect.fn("Members.auditTrail")(function* (
  principal: Principal,
  options: { readonly limit: number; readonly before?: string | undefined; readonly target?: string | undefined }
) {
  yield* requireRole(principal.role, "admin")
  const audit = yield* AuditLog
  return yield* audit.list(principal.organizationId, options)
})
