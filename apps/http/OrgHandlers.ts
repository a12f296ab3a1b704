/** Organisation administration handlers, always acting as the authenticated caller in its own organisation. */
import { Effect, Redacted } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as Members from "../../core/identity/Members.ts"
import { caller } from "./Authentication.ts"
import { Api } from "./Api.ts"
import { problems } from "./ErrorMapping.ts"
import { AuditPage } from "./OrgApi.ts"

const memberProblems = {
  InsufficientRole: problems.InsufficientRole,
  MemberNotFound: problems.MemberNotFound,
  MemberChanged: problems.MemberChanged,
  LastOwner: problems.LastOwner,
  PersistenceError: problems.PersistenceError
} as const

export const OrgHandlers = HttpApiBuilder.group(Api, "organization", (handlers) =>
  handlers
    .handle("listMembers", () =>
      caller.pipe(
        Effect.flatMap(Members.list),
        Effect.map((members) => ({ members })),
        Effect.catchTags({ PersistenceError: problems.PersistenceError })
      )
    )
    .handle("addMember", ({ payload }) =>
      caller.pipe(
        Effect.flatMap((principal) =>
          Members.add(principal, {
            email: payload.email,
            password: Redacted.make(payload.password),
            role: payload.role
          })
        ),
        Effect.catchTags({
          InsufficientRole: problems.InsufficientRole,
          WeakPassword: problems.WeakPassword,
          EmailTaken: problems.EmailTaken,
          PersistenceError: problems.PersistenceError
        })
      )
    )
    .handle("changeRole", ({ params, payload }) =>
      caller.pipe(
        Effect.flatMap((principal) => Members.changeRole(principal, params.userId, payload.role)),
        Effect.catchTags(memberProblems)
      )
    )
    .handle("removeMember", ({ params }) =>
      caller.pipe(
        Effect.flatMap((principal) => Members.remove(principal, params.userId)),
        Effect.catchTags(memberProblems)
      )
    )
    .handle("audit", ({ query }) =>
      caller.pipe(
        Effect.flatMap((principal) =>
          Members.auditTrail(principal, { limit: query.limit ?? 50, before: query.before, target: query.target })
        ),
        Effect.map((page) => new AuditPage({ entries: page.entries, nextCursor: page.nextCursor ?? null })),
        Effect.catchTags({ InsufficientRole: problems.InsufficientRole, PersistenceError: problems.PersistenceError })
      )
    )
)
