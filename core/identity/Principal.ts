/** The authenticated caller of a request: a user acting in one organisation with one role, in one session. */
import { Context, Schema } from "effect"
import { OrgId, UserId } from "../shared/Ids.ts"
import { Role } from "./Identity.ts"

export const SessionId = Schema.String.pipe(Schema.check(Schema.isUUID()), Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type

export class Principal extends Schema.Class<Principal>("Principal")({
  userId: UserId,
  organizationId: OrgId,
  role: Role,
  sessionId: SessionId
}) {}

export class CurrentPrincipal extends Context.Service<CurrentPrincipal, Principal>()(
  "tradeport/core/identity/CurrentPrincipal"
) {}
