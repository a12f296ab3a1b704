/**
 * SessionRepository on Postgres (`refresh_tokens`, a platform table: tokens are looked up by hash before any
 * organisation is known). Rotation is one conditional UPDATE: of two concurrent refreshes with the same token,
 * exactly one wins; the other sees a used token, which is reuse and revokes the family.
 */
import { DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import { SessionId } from "../../core/identity/Principal.ts"
import { SessionRepository, type SessionRepositoryShape } from "../../core/identity/ports/SessionRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { toPersistenceError } from "./Database.ts"

const Owner = Schema.Struct({ family_id: SessionId, user_id: UserId, organization_id: OrgId, status: Schema.String })
const decodeOwners = Schema.decodeUnknownEffect(Schema.Array(Owner))
const decodeFamilies = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ family_id: SessionId })))
const toOwner = (row: typeof Owner.Type) => ({
  familyId: row.family_id,
  userId: row.user_id,
  organizationId: row.organization_id
})
const at = (t: DateTime.Utc) => new Date(DateTime.toEpochMillis(t))

export const layer = Layer.effect(
  SessionRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const open: SessionRepositoryShape["open"] = (owner, first) =>
      sql`
        INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, status, expires_at)
        VALUES (${randomUUID()}, ${owner.familyId}, ${owner.userId}, ${owner.organizationId}, ${first.tokenHash}, 'active', ${at(first.expiresAt)})
      `.pipe(
        Effect.asVoid,
        Effect.mapError(toPersistenceError("SessionRepository.open")),
        Effect.withSpan("SessionRepository.open")
      )

    const rotate: SessionRepositoryShape["rotate"] = (presentedHash, next) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const rotated = yield* sql`
          UPDATE refresh_tokens SET status = 'rotated', rotated_at = now()
          WHERE token_hash = ${presentedHash} AND status = 'active' AND expires_at > now()
          RETURNING family_id, user_id, organization_id, status`.pipe(
              Effect.flatMap((rows) => Effect.orDie(decodeOwners(rows)))
            )
            const winner = rotated[0]
            if (winner !== undefined) {
              yield* sql`
            INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, status, expires_at)
            VALUES (${randomUUID()}, ${winner.family_id}, ${winner.user_id}, ${winner.organization_id}, ${next.tokenHash}, 'active', ${at(next.expiresAt)})`
              return { _tag: "Rotated" as const, ...toOwner(winner) }
            }
            const [known] = yield* sql`
          SELECT family_id, user_id, organization_id, status FROM refresh_tokens WHERE token_hash = ${presentedHash}`.pipe(
              Effect.flatMap((rows) => Effect.orDie(decodeOwners(rows)))
            )
            if (known === undefined || known.status !== "rotated") return { _tag: "Invalid" as const }
            yield* sql`UPDATE refresh_tokens SET status = 'revoked' WHERE family_id = ${known.family_id} AND status <> 'revoked'`
            return { _tag: "Reused" as const, ...toOwner(known) }
          })
        )
        .pipe(
          Effect.mapError(toPersistenceError("SessionRepository.rotate")),
          Effect.withSpan("SessionRepository.rotate")
        )

    const revokeFamilyOf: SessionRepositoryShape["revokeFamilyOf"] = (presentedHash) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const [known] = yield* sql`
          SELECT family_id, user_id, organization_id, status FROM refresh_tokens WHERE token_hash = ${presentedHash}`.pipe(
              Effect.flatMap((rows) => Effect.orDie(decodeOwners(rows)))
            )
            if (known === undefined) return undefined
            yield* sql`UPDATE refresh_tokens SET status = 'revoked' WHERE family_id = ${known.family_id} AND status <> 'revoked'`
            return toOwner(known)
          })
        )
        .pipe(
          Effect.mapError(toPersistenceError("SessionRepository.revokeFamilyOf")),
          Effect.withSpan("SessionRepository.revokeFamilyOf")
        )

    const revokeAllOf: SessionRepositoryShape["revokeAllOf"] = (userId, options = {}) =>
      sql`
        UPDATE refresh_tokens SET status = 'revoked'
        WHERE user_id = ${userId} AND status = 'active'
          AND (${options.organizationId ?? null}::uuid IS NULL OR organization_id = ${options.organizationId ?? null}::uuid)
          AND (${options.keep ?? null}::uuid IS NULL OR family_id <> ${options.keep ?? null}::uuid)
        RETURNING family_id`.pipe(
        Effect.flatMap((rows) => Effect.orDie(decodeFamilies(rows))),
        Effect.map((rows) => [...new Set(rows.map((r) => r.family_id))]),
        Effect.mapError(toPersistenceError("SessionRepository.revokeAllOf")),
        Effect.withSpan("SessionRepository.revokeAllOf")
      )

    return SessionRepository.of({ open, rotate, revokeFamilyOf, revokeAllOf })
  })
)
