/**
 * SessionRepository on Postgres (`refresh_tokens`, a platform table: tokens are looked up by hash before any
 * organisation is known). Rotation is one conditional UPDATE: of two concurrent refreshes with the same token,
 * exactly one wins; the other sees a used token, which is reuse and revokes the family.
 *
 * Against a password change: open and rotate hold the user row FOR SHARE while they write, and a password change
 * holds it FOR UPDATE across setting the password and revoking the sessions (Tenancy.forAccount). So a rotation
 * either commits before the change (whose revocation then sees its new token) or runs after it and finds its family
 * older than `users.password_changed_at` (refused, family revoked); an open after it finds another password hash.
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
const decodeRotated = Schema.decodeUnknownEffect(
  Schema.Array(Schema.Struct({ ...Owner.fields, family_started_at: Schema.Date }))
)
const decodeAccounts = Schema.decodeUnknownEffect(
  Schema.Array(Schema.Struct({ family_id: SessionId, stale: Schema.NullOr(Schema.Boolean) }))
)
const decodeHashes = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ password_hash: Schema.String })))
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

    const open: SessionRepositoryShape["open"] = (owner, first, verified) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const [user] = yield* sql`SELECT password_hash FROM users WHERE id = ${owner.userId} FOR SHARE`.pipe(
              Effect.flatMap((rows) => Effect.orDie(decodeHashes(rows)))
            )
            if (user === undefined || user.password_hash !== verified.passwordHash) return false
            yield* sql`
              INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, status, expires_at, family_started_at)
              VALUES (${randomUUID()}, ${owner.familyId}, ${owner.userId}, ${owner.organizationId}, ${first.tokenHash}, 'active',
                      ${at(first.expiresAt)}, clock_timestamp())`
            return true
          })
        )
        .pipe(Effect.mapError(toPersistenceError("SessionRepository.open")), Effect.withSpan("SessionRepository.open"))

    const rotate: SessionRepositoryShape["rotate"] = (presentedHash, next) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // The account first (FOR SHARE: a password change in progress finishes before this rotation goes on).
            const [account] = yield* sql`
          SELECT t.family_id, t.family_started_at < u.password_changed_at AS stale
          FROM refresh_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = ${presentedHash} FOR SHARE OF u`.pipe(
              Effect.flatMap((rows) => Effect.orDie(decodeAccounts(rows)))
            )
            if (account === undefined) return { _tag: "Invalid" as const }
            if (account.stale === true) {
              // Begun under a password that has changed since: it ends here, whatever the token's status.
              yield* sql`UPDATE refresh_tokens SET status = 'revoked' WHERE family_id = ${account.family_id} AND status <> 'revoked'`
              return { _tag: "Invalid" as const }
            }
            const rotated = yield* sql`
          UPDATE refresh_tokens SET status = 'rotated', rotated_at = now()
          WHERE token_hash = ${presentedHash} AND status = 'active' AND expires_at > now()
          RETURNING family_id, user_id, organization_id, status, family_started_at`.pipe(
              Effect.flatMap((rows) => Effect.orDie(decodeRotated(rows)))
            )
            const winner = rotated[0]
            if (winner !== undefined) {
              yield* sql`
            INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, status, expires_at, family_started_at)
            VALUES (${randomUUID()}, ${winner.family_id}, ${winner.user_id}, ${winner.organization_id}, ${next.tokenHash}, 'active',
                    ${at(next.expiresAt)}, ${winner.family_started_at})`
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
      // The kept family (a password change's own session) carries on under the new password: restamped now.
      sql`
        WITH kept AS (
          UPDATE refresh_tokens SET family_started_at = clock_timestamp()
          WHERE ${options.keep ?? null}::uuid IS NOT NULL AND family_id = ${options.keep ?? null}::uuid AND user_id = ${userId}
          RETURNING 1
        )
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
