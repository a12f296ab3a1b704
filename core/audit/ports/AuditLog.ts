/**
 * Port: the append-only audit trail. `record` stamps the current request id; `list` returns one organisation's
 * entries, newest first (platform entries without an organisation are never listed to tenants).
 */
import { Context, type Effect } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type { AuditEntry, AuditRecord } from "../Audit.ts"

export interface AuditPage {
  readonly entries: ReadonlyArray<AuditRecord>
  readonly nextCursor: string | undefined
}

export interface AuditLogShape {
  readonly record: (entry: AuditEntry) => Effect.Effect<void, PersistenceError>
  readonly list: (
    organizationId: OrgId,
    options: { readonly limit: number; readonly before?: string | undefined; readonly target?: string | undefined }
  ) => Effect.Effect<AuditPage, PersistenceError>
}

export class AuditLog extends Context.Service<AuditLog, AuditLogShape>()("tradeport/core/audit/ports/AuditLog") {}
