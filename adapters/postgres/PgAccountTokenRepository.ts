/**
 * AccountTokenRepository on Postgres (`account_tokens`, a platform table: a token is looked up by its selector before
 * anyone is authenticated). Issuing retires the owner's unused tokens of the same purpose in the same transaction;
 * `markUsed` is one conditional UPDATE, so of two concurrent redemptions exactly one wins.
 */
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { TokenPurpose } from "../../core/identity/AccountTokens.ts"
import {
  AccountTokenRepository,
  type AccountTokenRepositoryShape
} from "../../core/identity/ports/AccountTokenRepository.ts"
import { UserId } from "../../core/shared/Ids.ts"
import { toPersistenceError } from "./Database.ts"

const Row = Schema.Struct({
  selector: Schema.String,
  user_id: UserId,
  purpose: TokenPurpose,
  verifier_hash: Schema.Uint8Array,
  expires_at: Schema.Date,
  used: Schema.Boolean
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

export const layer = Layer.effect(
  AccountTokenRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const issue: AccountTokenRepositoryShape["issue"] = (token) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`
              UPDATE account_tokens SET used_at = now()
              WHERE user_id = ${token.userId} AND purpose = ${token.purpose} AND used_at IS NULL`
            yield* sql`
              INSERT INTO account_tokens (selector, user_id, purpose, verifier_hash, expires_at)
              VALUES (${token.selector}, ${token.userId}, ${token.purpose}, ${token.verifierHash},
                      ${new Date(DateTime.toEpochMillis(token.expiresAt))})`
          })
        )
        .pipe(
          Effect.mapError(toPersistenceError("AccountTokenRepository.issue")),
          Effect.withSpan("AccountTokenRepository.issue")
        )

    const find: AccountTokenRepositoryShape["find"] = (selector) =>
      sql`
        SELECT selector, user_id, purpose, verifier_hash, expires_at, used_at IS NOT NULL AS used
        FROM account_tokens WHERE selector = ${selector}`.pipe(
        Effect.mapError(toPersistenceError("AccountTokenRepository.find")),
        Effect.flatMap((rows) => Effect.orDie(decodeRows(rows))),
        Effect.map((rows) =>
          Option.fromNullishOr(rows[0]).pipe(
            Option.map((r) => ({
              selector: r.selector,
              userId: r.user_id,
              purpose: r.purpose,
              verifierHash: r.verifier_hash,
              expiresAt: DateTime.fromDateUnsafe(r.expires_at),
              used: r.used
            }))
          )
        ),
        Effect.withSpan("AccountTokenRepository.find")
      )

    const markUsed: AccountTokenRepositoryShape["markUsed"] = (selector) =>
      sql`UPDATE account_tokens SET used_at = now() WHERE selector = ${selector} AND used_at IS NULL RETURNING selector`.pipe(
        Effect.map((rows) => rows.length === 1),
        Effect.mapError(toPersistenceError("AccountTokenRepository.markUsed")),
        Effect.withSpan("AccountTokenRepository.markUsed")
      )

    return AccountTokenRepository.of({ issue, find, markUsed })
  })
)
