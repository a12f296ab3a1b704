/** Contract of organisation administration: members, roles and the audit trail. All require a bearer token. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { AuditRecord } from "../../core/audit/Audit.ts"
import { Email, MemberView, Password, Role } from "../../core/identity/Identity.ts"
import { UserId } from "../../core/shared/Ids.ts"
import { Authenticated } from "./Authentication.ts"
import { Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

export const AddMemberPayload = Schema.Struct({ email: Email, password: Password, role: Role })
export const ChangeRolePayload = Schema.Struct({ role: Role })

export class AuditPage extends Schema.Class<AuditPage>("AuditPage")({
  entries: Schema.Array(AuditRecord),
  nextCursor: Schema.NullOr(Schema.String)
}) {}

const memberPath = { userId: UserId }

export class OrgGroup extends HttpApiGroup.make("organization")
  .add(
    HttpApiEndpoint.get("listMembers", "/api/v1/org/members", {
      success: Schema.Struct({ members: Schema.Array(MemberView) }),
      error: ServiceUnavailable
    }),
    HttpApiEndpoint.post("addMember", "/api/v1/org/members", {
      payload: AddMemberPayload,
      success: MemberView.pipe(HttpApiSchema.status(201)),
      error: [Forbidden, Conflict, Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Create a user account directly in this organisation (admins; owners to add owners). A password that breaks the policy is 422 weak_password."
    ),
    HttpApiEndpoint.patch("changeRole", "/api/v1/org/members/:userId", {
      params: memberPath,
      payload: ChangeRolePayload,
      success: MemberView,
      error: [Forbidden, NotFound, Conflict, ServiceUnavailable]
    }),
    HttpApiEndpoint.delete("removeMember", "/api/v1/org/members/:userId", {
      params: memberPath,
      success: HttpApiSchema.NoContent,
      error: [Forbidden, NotFound, Conflict, ServiceUnavailable]
    }),
    HttpApiEndpoint.get("audit", "/api/v1/org/audit", {
      query: {
        limit: Schema.optionalKey(
          Schema.NumberFromString.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 200 })))
        ),
        before: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{1,18}$/)))),
        /** Only entries about this target (a connection id: its refresh history). */
        target: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(100))))
      },
      success: AuditPage,
      error: [Forbidden, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "The organisation's audit trail, newest first (admins and owners); `target` narrows it to one connection, order… (a connection's refresh history)."
    )
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Organisation administration") {}
