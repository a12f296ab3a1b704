/**
 * Use cases on an organisation's members, always acting as the calling Principal inside its own organisation.
 * Every mutation checks the caller's role first and is audited.
 */
import { Effect, Option, Redacted } from "effect"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import type { UserId } from "../shared/Ids.ts"
import { type Email, MemberNotFound, type Password, type Role } from "./Identity.ts"
import { IdentityRepository } from "./ports/IdentityRepository.ts"
import { PasswordHasher } from "./ports/PasswordHasher.ts"
import type { Principal } from "./Principal.ts"
import { requiredToChange, requireRole } from "./Roles.ts"

export const me = Effect.fn("Members.me")(function*(principal: Principal) {
  const repository = yield* IdentityRepository
  const member = yield* repository.member(principal.organizationId, principal.userId)
  const organization = yield* repository.organization(principal.organizationId)
  if (Option.isNone(member) || Option.isNone(organization)) return yield* new MemberNotFound()
  return { member: member.value, organization: organization.value }
})

export const list = Effect.fn("Members.list")(function*(principal: Principal) {
  const repository = yield* IdentityRepository
  return yield* repository.listMembers(principal.organizationId)
})

export const add = Effect.fn("Members.add")(function*(
  principal: Principal,
  input: { readonly email: Email; readonly password: Redacted.Redacted<Password>; readonly role: Role }
) {
  yield* requireRole(principal.role, input.role === "owner" ? "owner" : "admin")
  const repository = yield* IdentityRepository
  const hasher = yield* PasswordHasher
  const audit = yield* AuditLog
  const passwordHash = yield* hasher.hash(Redacted.make(Redacted.value(input.password)))
  const member = yield* repository.addMember(principal.organizationId, { email: input.email, passwordHash, role: input.role })
  yield* audit.record({
    organizationId: principal.organizationId, actorUserId: principal.userId, action: "MEMBER_ADDED", target: member.userId,
    details: { role: input.role }
  })
  return member
})

export const changeRole = Effect.fn("Members.changeRole")(function*(principal: Principal, userId: UserId, to: Role) {
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const target = yield* repository.member(principal.organizationId, userId)
  if (Option.isNone(target)) return yield* new MemberNotFound()
  yield* requireRole(principal.role, requiredToChange(target.value.role, to))
  const updated = yield* repository.changeRole(principal.organizationId, userId, target.value.role, to)
  yield* audit.record({
    organizationId: principal.organizationId, actorUserId: principal.userId, action: "ROLE_CHANGED", target: userId,
    details: { from: target.value.role, to }
  })
  return updated
})

export const remove = Effect.fn("Members.remove")(function*(principal: Principal, userId: UserId) {
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const target = yield* repository.member(principal.organizationId, userId)
  if (Option.isNone(target)) return yield* new MemberNotFound()
  yield* requireRole(principal.role, target.value.role === "owner" ? "owner" : "admin")
  yield* repository.removeMember(principal.organizationId, userId)
  yield* audit.record({ organizationId: principal.organizationId, actorUserId: principal.userId, action: "MEMBER_REMOVED", target: userId })
})

export const auditTrail = Effect.fn("Members.auditTrail")(function*(
  principal: Principal,
  options: { readonly limit: number; readonly before?: string | undefined }
) {
  yield* requireRole(principal.role, "admin")
  const audit = yield* AuditLog
  return yield* audit.list(principal.organizationId, options)
})
