/**
 * Use cases: login, refresh, logout, authenticate.
 *
 * - Login runs exactly one password verification whatever happens (unknown email, locked account, wrong
 *   password), so neither the answer nor its timing tells an attacker which it was.
 * - Refresh rotates the token; a token presented twice revokes its whole family (someone else holds a copy). A
 *   session begun before the password last changed neither opens nor rotates (SessionRepository).
 * - Logout revokes the family; it always succeeds, so it cannot be used to probe tokens.
 * - Both revocations also deny the family's session id to access tokens at once (RevokedSessions, for one
 *   access-token lifetime), so the tokens already handed out stop working before they expire.
 * - An account whose address was never confirmed cannot log in, and is told exactly what a wrong password is told
 *   (InvalidCredentials): a login must not say which addresses have accounts, or were just signed up.
 * - Authenticate: a verified access token whose session is not revoked, with the role the member has now.
 */
import { DateTime, Effect, Option, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import type { OrgId, UserId } from "../shared/Ids.ts"
import { type Email, InvalidCredentials, InvalidRefreshToken } from "./Identity.ts"
import { lockoutKey } from "./Lockout.ts"
import { AccessTokens, InvalidAccessToken } from "./ports/AccessTokens.ts"
import { IdentityRepository } from "./ports/IdentityRepository.ts"
import { LoginAttempts } from "./ports/LoginAttempts.ts"
import { PasswordHasher } from "./ports/PasswordHasher.ts"
import { RevokedSessions } from "./ports/RevokedSessions.ts"
import { SessionRepository } from "./ports/SessionRepository.ts"
import { Principal, SessionId } from "./Principal.ts"
import { hashRefreshToken, newRefreshToken, REFRESH_TOKEN_TTL } from "./Sessions.ts"

export interface LoginInput {
  readonly email: Email
  readonly password: Redacted.Redacted<string>
  readonly organizationId?: OrgId | undefined
}

const issuePair = Effect.fn("Authentication.issuePair")(function* (principal: Principal, refreshToken: string) {
  const tokens = yield* AccessTokens
  const access = yield* tokens.issue(principal)
  return {
    accessToken: access.token,
    expiresIn: access.expiresIn,
    refreshToken: Redacted.make(refreshToken),
    principal
  }
})

const nextToken = Effect.gen(function* () {
  const token = newRefreshToken()
  const expiresAt = DateTime.addDuration(yield* DateTime.now, REFRESH_TOKEN_TTL)
  return { token, issued: { tokenHash: hashRefreshToken(token), expiresAt } }
})

/**
 * Denies the session's access tokens for as long as one can live. The refresh family is already revoked durably,
 * so a cache failure here is logged (loudly) rather than turned into a failed logout or refresh.
 */
export const denyAccessTokens = Effect.fn("Authentication.denyAccessTokens")(function* (sessionId: SessionId) {
  const revoked = yield* RevokedSessions
  const tokens = yield* AccessTokens
  yield* revoked
    .revoke(sessionId, tokens.lifetime)
    .pipe(
      Effect.catchTag("CacheError", (e) =>
        Effect.logError("could not deny a revoked session's access tokens").pipe(
          Effect.annotateLogs({ session: sessionId, operation: e.operation, reason: e.reason })
        )
      )
    )
})

export const login = Effect.fn("Authentication.login")(function* (input: LoginInput) {
  const repository = yield* IdentityRepository
  const hasher = yield* PasswordHasher
  const attempts = yield* LoginAttempts
  const sessions = yield* SessionRepository
  const audit = yield* AuditLog

  const key = lockoutKey(input.email)
  // Reserve the attempt before checking the password: concurrent guesses cannot outrun the threshold.
  const attempt = yield* attempts.acquire(key)
  const credentials = yield* repository.findCredentials(input.email)
  const stored = Option.match(credentials, { onNone: () => "", onSome: (c) => c.passwordHash })
  const passwordMatches = yield* hasher.verify(input.password, stored)
  if (!attempt.allowed) return yield* new InvalidCredentials()

  // An unconfirmed account is a failed login like any other (counted, audited, the same answer).
  if (Option.isNone(credentials) || !passwordMatches || !credentials.value.verified) {
    const { locked } = yield* attempts.fail(key, attempt.attempt)
    // Audited off the response path: the answer's timing must not depend on whether the account exists.
    yield* Effect.forkDetach(
      auditFailure(Option.getOrUndefined(Option.map(credentials, (c) => c.user.id)), attempt.attempt, locked)
    )
    return yield* new InvalidCredentials()
  }

  const { user } = credentials.value
  yield* attempts.reset(key)
  const memberships = yield* repository.membershipsOf(user.id)
  const membership =
    input.organizationId === undefined
      ? memberships[0]
      : memberships.find((m) => m.organizationId === input.organizationId)
  if (membership === undefined) return yield* new InvalidCredentials()

  const principal = new Principal({
    userId: user.id,
    organizationId: membership.organizationId,
    role: membership.role,
    sessionId: SessionId.make(randomUUID())
  })
  const refresh = yield* nextToken
  // Refused if the password changed since it was checked above: a reset racing this login ends its session too.
  const opened = yield* sessions.open(
    { familyId: principal.sessionId, userId: user.id, organizationId: principal.organizationId },
    refresh.issued,
    { passwordHash: credentials.value.passwordHash }
  )
  if (!opened) return yield* new InvalidCredentials()
  yield* audit.record({
    organizationId: principal.organizationId,
    actorUserId: user.id,
    action: "LOGIN_SUCCEEDED",
    target: principal.sessionId
  })
  return yield* issuePair(principal, refresh.token)
})

/** Failed logins are audited in every organisation of the account (or as a platform event for unknown emails). */
const auditFailure = (userId: UserId | undefined, attempt: number, locked: boolean) =>
  Effect.gen(function* () {
    const repository = yield* IdentityRepository
    const audit = yield* AuditLog
    const organizations =
      userId === undefined ? [] : (yield* repository.membershipsOf(userId)).map((m) => m.organizationId)
    for (const organizationId of organizations.length === 0 ? [undefined] : organizations) {
      yield* audit.record({ organizationId, actorUserId: userId, action: "LOGIN_FAILED", details: { attempt } })
      if (locked)
        yield* audit.record({ organizationId, actorUserId: userId, action: "ACCOUNT_LOCKED", details: { attempt } })
    }
  }).pipe(
    Effect.catch((e) =>
      Effect.logWarning("could not audit a failed login").pipe(Effect.annotateLogs({ error: e._tag }))
    )
  )

export const refresh = Effect.fn("Authentication.refresh")(function* (presented: Redacted.Redacted<string>) {
  const sessions = yield* SessionRepository
  const repository = yield* IdentityRepository
  const audit = yield* AuditLog
  const next = yield* nextToken
  const outcome = yield* sessions.rotate(hashRefreshToken(Redacted.value(presented)), next.issued)
  switch (outcome._tag) {
    case "Invalid":
      return yield* new InvalidRefreshToken()
    case "Reused":
      // The family is already revoked (in the rotation's own transaction); its access tokens go now, then the audit.
      yield* denyAccessTokens(outcome.familyId)
      yield* audit.record({
        organizationId: outcome.organizationId,
        actorUserId: outcome.userId,
        action: "TOKEN_REUSE_DETECTED",
        target: outcome.familyId
      })
      yield* Effect.logWarning("refresh token reuse: session family revoked").pipe(
        Effect.annotateLogs({ session: outcome.familyId })
      )
      return yield* new InvalidRefreshToken()
    case "Rotated": {
      // The role may have changed, or the membership ended, since the session began.
      const member = yield* repository.member(outcome.organizationId, outcome.userId)
      if (Option.isNone(member)) return yield* new InvalidRefreshToken()
      const principal = new Principal({
        userId: outcome.userId,
        organizationId: outcome.organizationId,
        role: member.value.role,
        sessionId: outcome.familyId
      })
      return yield* issuePair(principal, next.token)
    }
  }
})

export const logout = Effect.fn("Authentication.logout")(function* (presented: Redacted.Redacted<string>) {
  const sessions = yield* SessionRepository
  const audit = yield* AuditLog
  const owner = yield* sessions.revokeFamilyOf(hashRefreshToken(Redacted.value(presented)))
  if (owner !== undefined) {
    yield* denyAccessTokens(owner.familyId)
    yield* audit.record({
      organizationId: owner.organizationId,
      actorUserId: owner.userId,
      action: "LOGOUT",
      target: owner.familyId
    })
  }
})

/**
 * The caller behind a bearer token: verified, its session not revoked, and still a member — with the role in force
 * now (a demoted or removed member loses their powers at once, not when the token expires).
 */
/**
 * The authenticator with its ports resolved once: the bearer middleware builds it at startup, so a request neither
 * looks services up nor has a context provided (both cost on every authenticated request).
 */
export const authenticator = Effect.gen(function* () {
  const tokens = yield* AccessTokens
  const revoked = yield* RevokedSessions
  const repository = yield* IdentityRepository
  return Effect.fn("Authentication.authenticate")(function* (token: Redacted.Redacted<string>) {
    const claimed = yield* tokens.verify(token)
    if (yield* revoked.isRevoked(claimed.sessionId)) return yield* new InvalidAccessToken({ reason: "revoked" })
    const member = yield* repository.member(claimed.organizationId, claimed.userId)
    if (Option.isNone(member)) return yield* new InvalidAccessToken({ reason: "not_a_member" })
    return new Principal({ ...claimed, role: member.value.role })
  })
})

export const authenticate = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(authenticator, (authenticateWith) => authenticateWith(token))
