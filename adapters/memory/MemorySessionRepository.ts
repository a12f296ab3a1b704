/** SessionRepository in process memory (unit tests); same rotation and reuse semantics as Postgres. */
import { DateTime, Effect, Layer, Ref } from "effect"
import type { SessionId } from "../../core/identity/Principal.ts"
import {
  type RotateOutcome,
  SessionRepository,
  type SessionOwner
} from "../../core/identity/ports/SessionRepository.ts"

interface Token extends SessionOwner {
  readonly status: "active" | "rotated" | "revoked"
  readonly expiresAt: DateTime.Utc
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
    const tokens = yield* Ref.make(new Map<string, Token>())
    const revokeFamily = (all: Map<string, Token>, familyId: string) =>
      new Map([...all].map(([k, t]) => [k, t.familyId === familyId ? { ...t, status: "revoked" as const } : t]))
    return SessionRepository.of({
      open: (owner, first) =>
        Ref.update(tokens, (all) =>
          new Map(all).set(keyOf(first.tokenHash), { ...owner, status: "active", expiresAt: first.expiresAt })
        ),
      rotate: (presented, next) =>
        Effect.gen(function* () {
          const now = yield* DateTime.now
          return yield* Ref.modify(tokens, (all): readonly [RotateOutcome, Map<string, Token>] => {
            const token = all.get(keyOf(presented))
            if (token === undefined) return [{ _tag: "Invalid" }, all]
            if (token.status === "active" && DateTime.isGreaterThan(token.expiresAt, now)) {
              const updated = new Map(all)
                .set(keyOf(presented), { ...token, status: "rotated" })
                .set(keyOf(next.tokenHash), { ...ownerOf(token), status: "active", expiresAt: next.expiresAt })
              return [{ _tag: "Rotated", ...ownerOf(token) }, updated]
            }
            if (token.status === "rotated")
              return [{ _tag: "Reused", ...ownerOf(token) }, revokeFamily(all, token.familyId)]
            return [{ _tag: "Invalid" }, all]
          })
        }),
      revokeAllOf: (userId, options = {}) =>
        Ref.modify(tokens, (all): readonly [ReadonlyArray<SessionId>, Map<string, Token>] => {
          const hit = (t: Token) =>
            t.userId === userId &&
            t.status === "active" &&
            (options.organizationId === undefined || t.organizationId === options.organizationId) &&
            t.familyId !== options.keep
          const families = [...new Set([...all.values()].filter(hit).map((t) => t.familyId))]
          return [families, new Map([...all].map(([k, t]) => [k, hit(t) ? { ...t, status: "revoked" as const } : t]))]
        }),
      revokeFamilyOf: (presented) =>
        Ref.modify(tokens, (all): readonly [SessionOwner | undefined, Map<string, Token>] => {
          const token = all.get(keyOf(presented))
          return token === undefined ? [undefined, all] : [ownerOf(token), revokeFamily(all, token.familyId)]
        })
    })
  })
)
