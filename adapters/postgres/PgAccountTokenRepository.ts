/**
 * AccountTokenRepository on Postgres (`account_tokens`, a platform table: a token is looked up by its selector before
 * anyone is authenticated). A pending sign-up's address, organisation name and password hash live in its token's row
 * (no user exists yet). Issuing retires the unused tokens of the same purpose for the same user or address in the
 * same transaction; `markUsed` is one conditional UPDATE, so of two concurrent redemptions exactly one wins.
 */
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { TokenPurpose } from "../../core/identity/AccountTokens.ts"
import { Email, OrganizationName } from "../../core/identity/Identity.ts"
import {
  AccountTokenRepository,
  type AccountTokenRepositoryShape,
  type TokenSubject
} from "../../core/identity/ports/AccountTokenRepository.ts"
import { UserId } from "../../core/shared/Ids.ts"
import { toPersistenceError } from "./Database.ts"

const SignUp = Schema.Struct({ email: Email, organization_name: OrganizationName, password_hash: Schema.String })
const Row = Schema.Struct({
  selector: Schema.String,
  user_id: Schema.NullOr(UserId),
  purpose: TokenPurpose,
  verifier_hash: Schema.Uint8Array,
  expires_at: Schema.Date,
  used: Schema.Boolean,
  email: Schema.NullOr(Email),
  organization_name: Schema.NullOr(OrganizationName),
  password_hash: Schema.NullOr(Schema.String)
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
const decodeSignUps = Schema.decodeUnknownEffect(Schema.Array(SignUp))

const toSignUp = (row: typeof SignUp.Type) => ({
  email: row.email,
  organizationName: row.organization_name,
  passwordHash: row.password_hash
})

/** The row's subject; a row that is neither (the table's CHECK forbids it) is an impossible state. */
const subjectOf = (row: typeof Row.Type): Effect.Effect<TokenSubject> => {
  if (row.user_id !== null) return Effect.succeed({ _tag: "User", userId: row.user_id })
  if (row.email !== null && row.organization_name !== null && row.password_hash !== null)
    return Effect.succeed({
      _tag: "SignUp",
      signUp: toSignUp({ email: row.email, organization_name: row.organization_name, password_hash: row.password_hash })
    })
  return Effect.die(new Error(`account token ${row.selector} has no subject`))
}

export const layer = Layer.effect(
  AccountTokenRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const issue: AccountTokenRepositoryShape["issue"] = (token) => {
      const { subject } = token
      const user = subject._tag === "User" ? subject.userId : null
      const signUp = subject._tag === "SignUp" ? subject.signUp : undefined
      return sql
        .withTransaction(
          Effect.gen(function* () {
            yield* signUp === undefined
              ? sql`
              UPDATE account_tokens SET used_at = now()
              WHERE user_id = ${user} AND purpose = ${token.purpose} AND used_at IS NULL`
              : sql`
              UPDATE account_tokens SET used_at = now()
              WHERE email = ${signUp.email} AND purpose = 'sign_up' AND used_at IS NULL`
            yield* sql`
              INSERT INTO account_tokens
                (selector, user_id, purpose, verifier_hash, expires_at, email, organization_name, password_hash)
              VALUES (${token.selector}, ${user}, ${token.purpose}, ${token.verifierHash},
                      ${new Date(DateTime.toEpochMillis(token.expiresAt))}, ${signUp?.email ?? null},
                      ${signUp?.organizationName ?? null}, ${signUp?.passwordHash ?? null})`
          })
        )
        .pipe(
          Effect.mapError(toPersistenceError("AccountTokenRepository.issue")),
          Effect.withSpan("AccountTokenRepository.issue")
        )
    }

    const find: AccountTokenRepositoryShape["find"] = (selector) =>
      sql`
        SELECT selector, user_id, purpose, verifier_hash, expires_at, used_at IS NOT NULL AS used,
               email, organization_name, password_hash
        FROM account_tokens WHERE selector = ${selector}`.pipe(
        Effect.mapError(toPersistenceError("AccountTokenRepository.find")),
        Effect.flatMap((rows) => Effect.orDie(decodeRows(rows))),
        Effect.flatMap((rows) => {
          const row = rows[0]
          if (row === undefined) return Effect.succeedNone
          return subjectOf(row).pipe(
            Effect.map((subject) =>
              Option.some({
                selector: row.selector,
                subject,
                purpose: row.purpose,
                verifierHash: row.verifier_hash,
                expiresAt: DateTime.fromDateUnsafe(row.expires_at),
                used: row.used
              })
            )
          )
        }),
        Effect.withSpan("AccountTokenRepository.find")
      )

    const markUsed: AccountTokenRepositoryShape["markUsed"] = (selector) =>
      sql`UPDATE account_tokens SET used_at = now() WHERE selector = ${selector} AND used_at IS NULL RETURNING selector`.pipe(
        Effect.map((rows) => rows.length === 1),
        Effect.mapError(toPersistenceError("AccountTokenRepository.markUsed")),
        Effect.withSpan("AccountTokenRepository.markUsed")
      )

    const pendingSignUp: AccountTokenRepositoryShape["pendingSignUp"] = (email) =>
      sql`
        SELECT email, organization_name, password_hash FROM account_tokens
        WHERE purpose = 'sign_up' AND email = ${email} AND used_at IS NULL
        ORDER BY created_at DESC LIMIT 1`.pipe(
        Effect.mapError(toPersistenceError("AccountTokenRepository.pendingSignUp")),
        Effect.flatMap((rows) => Effect.orDie(decodeSignUps(rows))),
        Effect.map((rows) => Option.fromNullishOr(rows[0]).pipe(Option.map(toSignUp))),
        Effect.withSpan("AccountTokenRepository.pendingSignUp")
      )

    return AccountTokenRepository.of({ issue, find, markUsed, pendingSignUp })
  })
)
