/** The audit trail's vocabulary: what happened, to whom, in which organisation. */
import { Schema } from "effect"

export const AuditAction = Schema.Literals([
  "USER_REGISTERED",
  "EMAIL_VERIFIED",
  "PASSWORD_CHANGED",
  "PASSWORD_RESET",
  "LOGIN_SUCCEEDED",
  "LOGIN_FAILED",
  "ACCOUNT_LOCKED",
  "TOKEN_REUSE_DETECTED",
  "LOGOUT",
  "MEMBER_ADDED",
  "ROLE_CHANGED",
  "MEMBER_REMOVED",
  "CHANNEL_CONNECTED",
  "TOKEN_REFRESHED",
  "TOKEN_REFRESH_FAILED",
  "NEEDS_REAUTH",
  "CHANNEL_DISCONNECTED",
  "G2A_ORDER_CREATED",
  "CONNECTION_SETTINGS_CHANGED"
])
export type AuditAction = typeof AuditAction.Type

export interface AuditEntry {
  readonly organizationId: string | undefined
  readonly actorUserId: string | undefined
  readonly action: AuditAction
  readonly target?: string | undefined
  readonly details?: Readonly<Record<string, string | number | boolean>> | undefined
}

export class AuditRecord extends Schema.Class<AuditRecord>("AuditRecord")({
  id: Schema.String,
  organizationId: Schema.NullOr(Schema.String),
  actorUserId: Schema.NullOr(Schema.String),
  action: AuditAction,
  target: Schema.NullOr(Schema.String),
  requestId: Schema.NullOr(Schema.String),
  details: Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number, Schema.Boolean])),
  occurredAt: Schema.String
}) {}
