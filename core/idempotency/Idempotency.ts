/**
 * Claiming an Idempotency-Key (Stripe's semantics; IETF httpapi idempotency-key draft): the first request with a
 * key runs; the same key with the same payload replays the stored answer (24 h); another payload is `key_reused`;
 * the same key while the first still runs is `in_progress`. Payloads are compared by a hash of their canonical
 * JSON, so key order does not matter.
 */
import { Duration, Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import type { OrgId } from "../shared/Ids.ts"
import { IdempotencyError, ReplayedFailure } from "./errors.ts"
import { IdempotencyStore } from "./ports/IdempotencyStore.ts"

export const TTL = Duration.hours(24)
export const STALE_AFTER = Duration.minutes(1)

/** JSON with object keys sorted, so equal payloads hash equally whatever their key order. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

export const requestHash = (payload: unknown) => createHash("sha256").update(canonical(payload)).digest("hex")

export type Claimed<A> =
  | { readonly _tag: "Run"; readonly holder: string }
  | { readonly _tag: "Replayed"; readonly value: A }

/**
 * Claims the key for this request: the holder token when the operation should run, the stored success when it
 * already ran, or the stored failure (ReplayedFailure).
 */
export const claim = <A, I>(options: {
  readonly organizationId: OrgId
  readonly key: string
  readonly operation: string
  readonly payload: unknown
  readonly schema: Schema.Codec<A, I>
}): Effect.Effect<Claimed<A>, IdempotencyError | ReplayedFailure, IdempotencyStore> =>
  Effect.gen(function* () {
    const store = yield* IdempotencyStore
    const claimed = yield* store
      .claim(options.organizationId, options.key, options.operation, requestHash(options.payload), {
        ttl: TTL,
        staleAfter: STALE_AFTER
      })
      .pipe(Effect.mapError(() => new IdempotencyError({ reason: "storage_unavailable" })))
    switch (claimed._tag) {
      case "Mismatch":
        return yield* new IdempotencyError({ reason: "key_reused" })
      case "InProgress":
        return yield* new IdempotencyError({ reason: "in_progress" })
      case "Replay": {
        const { status, body } = claimed.response
        if (status >= 400) return yield* new ReplayedFailure({ status, body })
        return {
          _tag: "Replayed" as const,
          value: yield* Schema.decodeUnknownEffect(options.schema)(body).pipe(Effect.orDie)
        }
      }
      case "New":
        return { _tag: "Run" as const, holder: claimed.holder }
    }
  })
