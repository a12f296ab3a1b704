/**
 * Access tokens of a connection as a TokenSource: read from the sealed credentials, refreshed through the
 * provider's grant, and the result — access token, ROTATED refresh token and expiry — written back in one
 * compare-and-set. A permanent refusal (revoked, invalid_grant) marks the connection needs_reauth, once, and is
 * audited; a transient one leaves it connected with its last error.
 */
import { DateTime, Effect, Option, Redacted, Schedule, Schema } from "effect"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import type { OrgId } from "../shared/Ids.ts"
import { Notifier } from "../notifications/ports/Notifier.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { type ConnectionId, type Credentials, type ProviderId, sanitizeError, TokenCredentials } from "./Connection.ts"
import { readCredentials, seal } from "./Connections.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"
import { cacheKeyFor } from "./TokenKeys.ts"
import type { TokenSource } from "./TokenManager.ts"
import { classifyRefreshFailure, defaultPolicy, expiryFrom } from "./TokenLifecycle.ts"

/** What a provider's token endpoint answered. */
export interface TokenGrant {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  readonly expiresIn: unknown
  /** The scopes granted, when the provider says (comma- or space-separated, as it sent them). */
  readonly scope?: string | undefined
}

export class ProviderTokenError extends Schema.TaggedError<ProviderTokenError>()("ProviderTokenError", {
  status: Schema.optional(Schema.Int),
  oauthError: Schema.optional(Schema.String),
  message: Schema.String
}) {}

export class TokenUnavailable extends Schema.TaggedError<TokenUnavailable>()("TokenUnavailable", {
  connectionId: Schema.String,
  reason: Schema.Literals(["needs_reauth", "transient", "disconnected"])
}) {}

export interface ConnectionTokenOptions<R> {
  readonly organizationId: OrgId
  readonly connectionId: ConnectionId
  readonly provider: ProviderId
  readonly env: string
  /** Calls the provider's token endpoint with the current credentials (refresh-token or client-credentials grant). */
  readonly grant: (credentials: Credentials) => Effect.Effect<TokenGrant, ProviderTokenError, R>
}

export const connectionTokenSource = <R>(options: ConnectionTokenOptions<R>) => {
  const { organizationId, connectionId } = options

  const current = Effect.gen(function* () {
    const repository = yield* ConnectionRepository
    const connection = yield* repository.get(organizationId, connectionId)
    if (Option.isNone(connection) || connection.value.status === "disconnected") {
      return yield* new TokenUnavailable({ connectionId, reason: "disconnected" })
    }
    if (connection.value.status === "needs_reauth")
      return yield* new TokenUnavailable({ connectionId, reason: "needs_reauth" })
    const { credentials, version } = yield* readCredentials(organizationId, connectionId)
    return { connection: connection.value, credentials: Redacted.value(credentials), version }
  })

  const failed = (error: ProviderTokenError, readVersion: number) =>
    Effect.gen(function* () {
      const repository = yield* ConnectionRepository
      const audit = yield* AuditLog
      const transactions = yield* Transactions
      const kind = classifyRefreshFailure({ status: error.status, oauthError: error.oauthError })
      // Refused because someone else rotated the token meanwhile? Then their token is good: no re-auth needed.
      const now = yield* repository.credentials(organizationId, connectionId)
      if (kind === "permanent" && Option.isSome(now) && now.value.version !== readVersion) {
        return yield* new TokenUnavailable({ connectionId, reason: "transient" })
      }
      const message = sanitizeError(`${error.oauthError ?? `HTTP ${error.status ?? "?"}`}: ${error.message}`)
      let notify = false
      yield* transactions.inOrganization(organizationId)(
        Effect.gen(function* () {
          const before = yield* repository.get(organizationId, connectionId)
          if (kind === "permanent") {
            yield* repository.setStatus(organizationId, connectionId, "needs_reauth", message)
            // One audit entry per state change: a connection already waiting for re-auth is not re-announced.
            if (Option.isSome(before) && before.value.status !== "needs_reauth") {
              yield* audit.record({
                organizationId,
                actorUserId: undefined,
                action: "NEEDS_REAUTH",
                target: connectionId,
                details: { provider: options.provider }
              })
              notify = true
            }
          } else {
            yield* repository.setStatus(
              organizationId,
              connectionId,
              Option.isSome(before) ? before.value.status : "connected",
              message
            )
          }
          yield* audit.record({
            organizationId,
            actorUserId: undefined,
            action: "TOKEN_REFRESH_FAILED",
            target: connectionId,
            details: { provider: options.provider, kind }
          })
        })
      )
      // After the commit, and once per state change: the merchant platform learns it must ask for re-consent.
      if (notify) {
        yield* (yield* Notifier).notify({
          type: "connection.needs_reauth",
          organizationId,
          connectionId,
          provider: options.provider,
          detail: message
        })
      }
      return yield* new TokenUnavailable({ connectionId, reason: kind === "permanent" ? "needs_reauth" : "transient" })
    })

  const source: TokenSource<
    Effect.Error<typeof current> | TokenUnavailable | Effect.Error<ReturnType<typeof failed>>,
    R | Effect.Services<typeof current> | Effect.Services<ReturnType<typeof failed>>
  > = {
    cacheKey: cacheKeyFor(options.provider, options.env, connectionId),
    lockKey: `refresh:${connectionId}`,
    stored: current.pipe(
      Effect.flatMap(({ connection, credentials }) =>
        Effect.gen(function* () {
          const { accessToken: token, refreshToken } = Schema.decodeUnknownSync(TokenCredentials)(credentials)
          if (token === undefined) return Option.none()
          if (connection.tokenExpiresAt !== null)
            return Option.some({ token: Redacted.make(token), expiresAt: connection.tokenExpiresAt })
          // A token issued without expiry and without a refresh token (a non-expiring offline token): use it, and
          // read it again from storage daily; there is nothing to refresh it with.
          if (refreshToken !== undefined) return Option.none()
          return Option.some({
            token: Redacted.make(token),
            expiresAt: DateTime.addDuration(yield* DateTime.now, defaultPolicy.maxLifetime)
          })
        })
      )
    ),
    // Uninterruptible from the grant to the save: once the provider has rotated the refresh token, the new one must
    // reach the database even if the caller gives up (every step is bounded by its own timeout).
    refresh: Effect.uninterruptible(
      Effect.gen(function* () {
        const repository = yield* ConnectionRepository
        const audit = yield* AuditLog
        const transactions = yield* Transactions
        const state = yield* current
        const grant = yield* options
          .grant(state.credentials)
          .pipe(Effect.catchTag("ProviderTokenError", (e) => failed(e, state.version)))
        const expiresAt = expiryFrom(grant.expiresIn, yield* DateTime.now)
        const next: Credentials = {
          ...state.credentials,
          accessToken: Redacted.value(grant.accessToken),
          ...(grant.refreshToken === undefined ? {} : { refreshToken: Redacted.value(grant.refreshToken) })
        }
        const sealed = yield* seal(organizationId, connectionId, Redacted.make(next))
        const saved = yield* transactions
          .inOrganization(organizationId)(
            Effect.gen(function* () {
              yield* repository.saveCredentials(organizationId, connectionId, {
                sealed,
                tokenExpiresAt: expiresAt,
                expectedVersion: state.version
              })
              yield* audit.record({
                organizationId,
                actorUserId: undefined,
                action: "TOKEN_REFRESHED",
                target: connectionId,
                details: { provider: options.provider, rotated: grant.refreshToken !== undefined }
              })
              return { token: grant.accessToken, expiresAt }
            })
          )
          .pipe(
            // A transient storage failure must not lose a rotated token: try the save again.
            Effect.retry({
              times: 3,
              schedule: Schedule.exponential("100 millis"),
              while: (e) => e._tag === "PersistenceError" && e.reason !== "Rejected"
            }),
            // Someone else stored newer credentials first (our lock expired mid-refresh): theirs win, ours are dropped
            // rather than overwriting a rotated refresh token with a stale one.
            Effect.catchTag("CredentialsChanged", () =>
              source.stored.pipe(
                Effect.flatMap(
                  Option.match({
                    onNone: () => Effect.fail(new TokenUnavailable({ connectionId, reason: "transient" })),
                    onSome: Effect.succeed
                  })
                )
              )
            )
          )
        return saved
      })
    )
  }
  return source
}
