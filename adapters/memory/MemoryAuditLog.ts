/**
 * AuditLog in process memory (unit tests): newest first, one organisation at a time. An entry recorded in a unit
 * of work that does not succeed is taken back (see UnitOfWork.ts).
 */
import { DateTime, Effect, Layer, Ref } from "effect"
import { AuditRecord } from "../../core/audit/Audit.ts"
import { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import { CurrentRequestId } from "../../core/shared/RequestContext.ts"
import { onRollback } from "./UnitOfWork.ts"

export const layer = Layer.effect(
  AuditLog,
  Effect.gen(function* () {
    const records = yield* Ref.make<ReadonlyArray<AuditRecord>>([])
    // Ids come from a sequence, not the array's length: a rolled-back entry's id is never handed out again.
    let sequence = 0
    return AuditLog.of({
      record: (entry) =>
        Effect.gen(function* () {
          const occurredAt = DateTime.formatIso(yield* DateTime.now)
          const requestId = yield* CurrentRequestId
          const id = String(++sequence)
          yield* Ref.update(records, (all) => [
            ...all,
            new AuditRecord({
              id,
              organizationId: entry.organizationId ?? null,
              actorUserId: entry.actorUserId ?? null,
              action: entry.action,
              target: entry.target ?? null,
              requestId: requestId ?? null,
              details: entry.details ?? {},
              occurredAt
            })
          ])
          yield* onRollback(Ref.update(records, (all) => all.filter((r) => r.id !== id)))
        }),
      list: (organizationId, options) =>
        Ref.get(records).pipe(
          Effect.map((all) => {
            const visible = all
              .filter(
                (r) =>
                  r.organizationId === organizationId &&
                  (options.before === undefined || Number(r.id) < Number(options.before))
              )
              .filter((r) => options.target === undefined || r.target === options.target)
              .toReversed()
            const entries = visible.slice(0, options.limit)
            return { entries, nextCursor: visible.length > options.limit ? entries[entries.length - 1]?.id : undefined }
          })
        )
    })
  })
)
