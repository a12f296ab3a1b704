/**
 * IdempotencyStore on Postgres: the claim is one INSERT … ON CONFLICT DO NOTHING (the primary key decides races);
 * completion is an UPDATE that joins the caller's transaction, so an order and its stored response commit together.
 */
import { Duration, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import { IdempotencyStore, type IdempotencyStoreShape } from "../../core/idempotency/ports/IdempotencyStore.ts"
import { toPersistenceError } from "./Database.ts"
import { asPlatform, inOrganization } from "./Tenancy.ts"

export const layer = Layer.effect(
  IdempotencyStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const failed = (operation: string) => Effect.mapError(toPersistenceError(`IdempotencyStore.${operation}`))

    const claim: IdempotencyStoreShape["claim"] = (organizationId, key, operation, requestHash, options) =>
      inOrganization(
        sql,
        organizationId
      )(
        Effect.gen(function* () {
          const holder = randomUUID()
          const ttlSeconds = Math.ceil(Duration.toSeconds(options.ttl))
          const staleSeconds = Math.ceil(Duration.toSeconds(options.staleAfter))
          const inserted = yield* sql`
          INSERT INTO idempotency_records (organization_id, idempotency_key, operation, request_hash, status, holder, expires_at)
          VALUES (${organizationId}, ${key}, ${operation}, ${requestHash}, 'in_progress', ${holder}, now() + make_interval(secs => ${ttlSeconds}))
          ON CONFLICT (organization_id, idempotency_key) DO UPDATE
            SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, status = 'in_progress', holder = EXCLUDED.holder,
                response_status = NULL, response_body = NULL, locked_at = now(), created_at = now(), expires_at = EXCLUDED.expires_at
            WHERE idempotency_records.expires_at <= now()
          RETURNING 1`
          if (inserted.length > 0) return { _tag: "New" as const, holder }
          const [existing] = yield* sql<{
            operation: string
            request_hash: string
            status: string
            response_status: number | null
            response_body: unknown
            stale: boolean
          }>`
          SELECT operation, request_hash, status, response_status, response_body,
                 locked_at <= now() - make_interval(secs => ${staleSeconds}) AS stale
          FROM idempotency_records WHERE organization_id = ${organizationId} AND idempotency_key = ${key} FOR UPDATE`
          if (existing === undefined) return { _tag: "InProgress" as const }
          if (existing.operation !== operation || existing.request_hash !== requestHash)
            return { _tag: "Mismatch" as const }
          if (existing.status === "completed") {
            return {
              _tag: "Replay" as const,
              response: { status: existing.response_status ?? 200, body: existing.response_body }
            }
          }
          if (existing.stale) {
            yield* sql`UPDATE idempotency_records SET locked_at = now(), holder = ${holder}
                     WHERE organization_id = ${organizationId} AND idempotency_key = ${key}`
            return { _tag: "New" as const, holder }
          }
          return { _tag: "InProgress" as const }
        })
      ).pipe(failed("claim"), Effect.withSpan("IdempotencyStore.claim"))

    const complete: IdempotencyStoreShape["complete"] = (organizationId, key, holder, response) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        UPDATE idempotency_records SET status = 'completed', response_status = ${response.status},
          response_body = ${JSON.stringify(response.body ?? null)}::jsonb
        WHERE organization_id = ${organizationId} AND idempotency_key = ${key} AND holder = ${holder} AND status = 'in_progress'
        RETURNING 1`).pipe(
        Effect.map((rows) => rows.length === 1),
        failed("complete")
      )

    const release: IdempotencyStoreShape["release"] = (organizationId, key, holder) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        DELETE FROM idempotency_records
        WHERE organization_id = ${organizationId} AND idempotency_key = ${key} AND holder = ${holder} AND status = 'in_progress'`).pipe(
        Effect.asVoid,
        failed("release")
      )

    const supersede: IdempotencyStoreShape["supersede"] = (organizationId, key, holder, response) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        UPDATE idempotency_records SET response_status = ${response.status}, response_body = ${JSON.stringify(response.body ?? null)}::jsonb
        WHERE organization_id = ${organizationId} AND idempotency_key = ${key} AND holder = ${holder} AND status = 'completed'
        RETURNING 1`).pipe(
        Effect.map((rows) => rows.length === 1),
        failed("supersede")
      )

    const abandon: IdempotencyStoreShape["abandon"] = (organizationId, key, holder) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        DELETE FROM idempotency_records WHERE organization_id = ${organizationId} AND idempotency_key = ${key} AND holder = ${holder}`).pipe(
        Effect.asVoid,
        failed("abandon")
      )

    const purgeExpired: IdempotencyStoreShape["purgeExpired"] = asPlatform(sql)(sql<{ n: number }>`
      WITH gone AS (DELETE FROM idempotency_records WHERE expires_at <= now() RETURNING 1) SELECT count(*)::int AS n FROM gone`).pipe(
      Effect.map((rows) => rows[0]?.n ?? 0),
      failed("purgeExpired")
    )

    return IdempotencyStore.of({ claim, complete, release, supersede, abandon, purgeExpired })
  })
)
