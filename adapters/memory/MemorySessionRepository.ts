/**
 * SessionRepository in process memory (unit tests); same rotation and reuse semantics as Postgres. Against a password
 * change (set the password, then revoke every session): each rotation and revocation is one atomic step, so a
 * rotation either precedes the revocation (which takes its new token) or finds its token revoked, and a family whose
 * login verified another password than the account's now never rotates; an open stores its
 * family and then checks the password it was opened for (IdentityRepository) — a change before the check is seen
 * and the family is revoked again, a change after it revokes the family itself.
 */
import { DateTime, Effect, Layer, Option, Ref } from "effect"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import type { SessionId } from "../../core/identity/Principal.ts"
import {
  type RotateOutcome,
  SessionRepository,
  type SessionOwner
} from "../../core/identity/ports/SessionRepository.ts"

interface Token extends SessionOwner {
  readonly status: "active" | "rotated" | "revoked"
  readonly expiresAt: DateTime.Utc
  /** The password hash the family's login verified: once the account's differs, the family is over. */
  readonly passwordHash: string
}

const keyOf = (hash: Uint8Array) => Buffer.from(hash).toString("base64")
const ownerOf = (t: Token): SessionOwner => ({
  familyId: t.familyId,
  userId: t.userId,
  organizationId: t.organizationId
})

export const layer = Layer.effect(
  SessionRepository,
  Effect.gen(function* () {
    const identity = yield* IdentityRepository
    const tokens = yield* Ref.make(new Map<string, Token>())
    const revokeFamily = (all: Map<string, Token>, familyId: string) =>
      new Map([...all].map(([k, t]) => [k, t.familyId === familyId ? { ...t, status: "revoked" as const } : t]))
    return SessionRepository.of({
      open: (owner, first, verified) =>
        Effect.gen(function* () {
          yield* Ref.update(tokens, (all) =>
            new Map(all).set(keyOf(first.tokenHash), {
              ...owner,
              status: "active",
              expiresAt: first.expiresAt,
              passwordHash: verified.passwordHash
            })
          )
          const now = yield* identity.credentialsOf(owner.userId)
          if (Option.exists(now, (c) => c.passwordHash === verified.passwordHash)) return true
          yield* Ref.update(tokens, (all) => revokeFamily(all, owner.familyId))
          return false
        }),
      rotate: (presented, next) =>
        Effect.gen(function* () {
          const now = yield* DateTime.now
          const known = (yield* Ref.get(tokens)).get(keyOf(presented))
          // The account's password now (a change after this read is followed by its revocation, which wins).
          const current =
            known === undefined
              ? undefined
              : Option.getOrUndefined(yield* identity.credentialsOf(known.userId))?.passwordHash
          return yield* Ref.modify(tokens, (all): readonly [RotateOutcome, Map<string, Token>] => {
            const token = all.get(keyOf(presented))
            if (token === undefined) return [{ _tag: "Invalid" }, all]
            if (token.passwordHash !== current) return [{ _tag: "Invalid" }, revokeFamily(all, token.familyId)]
            if (token.status === "active" && DateTime.isGreaterThan(token.expiresAt, now)) {
              const updated = new Map(all)
                .set(keyOf(presented), { ...token, status: "rotated" })
                .set(keyOf(next.tokenHash), { ...token, status: "active", expiresAt: next.expiresAt })
              return [{ _tag: "Rotated", ...ownerOf(token) }, updated]
            }
            if (token.status === "rotated")
              return [{ _tag: "Reused", ...ownerOf(token) }, revokeFamily(all, token.familyId)]
            return [{ _tag: "Invalid" }, all]
          })
        }),
      revokeAllOf: (userId, options = {}) =>
        Effect.gen(function* () {
          // The kept family (a password change's own session) carries on under the account's password now.
          const current = Option.getOrUndefined(yield* identity.credentialsOf(userId))?.passwordHash
          return yield* Ref.modify(tokens, (all): readonly [ReadonlyArray<SessionId>, Map<string, Token>] => {
            const hit = (t: Token) =>
              t.userId === userId &&
              t.status === "active" &&
              (options.organizationId === undefined || t.organizationId === options.organizationId) &&
              t.familyId !== options.keep
            const kept = (t: Token) => t.userId === userId && t.familyId === options.keep && current !== undefined
            const families = [...new Set([...all.values()].filter(hit).map((t) => t.familyId))]
            const next = (t: Token): Token =>
              hit(t) ? { ...t, status: "revoked" } : kept(t) ? { ...t, passwordHash: current ?? t.passwordHash } : t
            return [families, new Map([...all].map(([k, t]) => [k, next(t)]))]
          })
        }),
      revokeFamilyOf: (presented) =>
        Ref.modify(tokens, (all): readonly [SessionOwner | undefined, Map<string, Token>] => {
          const token = all.get(keyOf(presented))
          return token === undefined ? [undefined, all] : [ownerOf(token), revokeFamily(all, token.familyId)]
        })
    })
  })
)
