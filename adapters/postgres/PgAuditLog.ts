/**
 * AuditLog on Postgres (`audit_log`, a tenant table: reads are confined to one organisation by row-level
 * security; platform entries have no organisation and no tenant ever sees them).
 */
import { DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditAction, AuditRecord } from "../../core/audit/Audit.ts"
import { AuditLog, type AuditLogShape } from "../../core/audit/ports/AuditLog.ts"
import { CurrentRequestId } from "../../core/shared/RequestContext.ts"
import { toPersistenceError } from "./Database.ts"
import { inOrganization } from "./Tenancy.ts"

const Row = Schema.Struct({
  id: Schema.Union([Schema.String, Schema.Number]),
  organization_id: Schema.NullOr(Schema.String),
  actor_user_id: Schema.NullOr(Schema.String),
  action: AuditAction,
  target: Schema.NullOr(Schema.String),
  request_id: Schema.NullOr(Schema.String),
  details: Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number, Schema.Boolean])),
  occurred_at: Schema.Date
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

export const layer = Layer.effect(
  AuditLog,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const record: AuditLogShape["record"] = Effect.fn("AuditLog.record")(function* (entry) {
      const requestId = yield* CurrentRequestId
      // The trace id ties the entry to its distributed trace (Jaeger) as the request id ties it to the logs.
      const span = yield* Effect.option(Effect.currentSpan)
      const details = { ...entry.details, ...(span._tag === "Some" ? { traceId: span.value.traceId } : {}) }
      const insert = sql`
        INSERT INTO audit_log (organization_id, actor_user_id, action, target, request_id, details)
        VALUES (${entry.organizationId ?? null}, ${entry.actorUserId ?? null}, ${entry.action}, ${entry.target ?? null},
                ${requestId ?? null}, ${JSON.stringify(details)}::jsonb)`
      yield* (entry.organizationId === undefined ? insert : inOrganization(sql, entry.organizationId)(insert)).pipe(
        Effect.mapError(toPersistenceError("AuditLog.record"))
      )
    })

    const list: AuditLogShape["list"] = (organizationId, options) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        SELECT id::text AS id, organization_id, actor_user_id, action, target, request_id, details, occurred_at FROM audit_log
        WHERE organization_id = ${organizationId} ${options.before === undefined ? sql`` : sql`AND id < ${options.before}::bigint`}
          ${options.target === undefined ? sql`` : sql`AND target = ${options.target}`}
        -- The bigint column: a bare "id" would sort by the text alias above ('9' after '10').
        ORDER BY audit_log.id DESC LIMIT ${options.limit + 1}`).pipe(
        Effect.mapError(toPersistenceError("AuditLog.list")),
        Effect.flatMap((rows) => Effect.orDie(decodeRows(rows))),
        Effect.map((rows) => {
          const page = rows.slice(0, options.limit).map(
            (r) =>
              new AuditRecord({
                id: String(r.id),
                organizationId: r.organization_id,
                actorUserId: r.actor_user_id,
                action: r.action,
                target: r.target,
                requestId: r.request_id,
                details: r.details,
                occurredAt: DateTime.formatIso(DateTime.fromDateUnsafe(r.occurred_at))
              })
          )
          return { entries: page, nextCursor: rows.length > options.limit ? page[page.length - 1]?.id : undefined }
        }),
        Effect.withSpan("AuditLog.list")
      )

    return AuditLog.of({ record, list })
  })
)
