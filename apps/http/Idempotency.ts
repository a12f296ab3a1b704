/**
 * Idempotency-Key handling for API mutations (Stripe's semantics; IETF httpapi idempotency-key draft):
 * - first request with a key: run it; its response (success or client error) is stored in the SAME transaction as
 *   the operation's writes, so "done but not remembered" cannot happen;
 * - same key, same payload: the stored response is replayed (24 h);
 * - same key, another payload: 422 `idempotency_key_reused`; same key while the first still runs: 409
 *   `idempotency_in_progress`;
 * - a transient failure (503) gives the key back, so the client's retry runs the operation.
 */
import { Cause, Duration, Effect, Schema } from "effect"
import { HttpApiError } from "effect/http-api"
import { createHash } from "node:crypto"
import { IdempotencyStore } from "../../core/idempotency/ports/IdempotencyStore.ts"
import type { PersistenceError } from "../../core/shared/errors.ts"
import type { OrgId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { Conflict, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

const TTL = Duration.hours(24)
const STALE_AFTER = Duration.minutes(1)

/** JSON with object keys sorted, so equal payloads hash equally whatever their key order. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : typeof value === "object" && value !== null
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(value) ?? "null"

export const requestHash = (payload: unknown) => createHash("sha256").update(canonical(payload)).digest("hex")

type ApiProblem = Conflict | Unprocessable | NotFound | ServiceUnavailable | HttpApiError.BadRequestProblem

const StoredProblem = Schema.Struct({ code: Schema.String, detail: Schema.optionalKey(Schema.String) })

const replayProblem = (status: number, body: unknown): ApiProblem => {
  const stored = Schema.decodeUnknownOption(StoredProblem)(body)
  const fields = stored._tag === "Some" ? stored.value : { code: "replayed_error" }
  switch (status) {
    case 400:
      return new HttpApiError.BadRequestProblem({ ...(fields.detail === undefined ? {} : { detail: fields.detail }) })
    case 404:
      return new NotFound(fields)
    case 409:
      return new Conflict(fields)
    default:
      return new Unprocessable(fields)
  }
}

export type Claimed<A> = { readonly _tag: "Run"; readonly holder: string } | { readonly _tag: "Replayed"; readonly value: A }

/**
 * Claims an Idempotency-Key for this request: the holder token when the operation should run, or the stored answer
 * (a replayed success; a replayed or conflict problem as a failure).
 */
export const claimKey = <A, I>(options: {
  readonly organizationId: OrgId
  readonly key: string
  readonly operation: string
  readonly payload: unknown
  readonly schema: Schema.Codec<A, I>
}): Effect.Effect<Claimed<A>, ApiProblem, IdempotencyStore> =>
  Effect.gen(function*() {
    const store = yield* IdempotencyStore
    const claim = yield* store.claim(options.organizationId, options.key, options.operation, requestHash(options.payload), { ttl: TTL, staleAfter: STALE_AFTER })
      .pipe(Effect.mapError(() => new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1 })))
    switch (claim._tag) {
      case "Mismatch":
        return yield* new Unprocessable({ code: "idempotency_key_reused", detail: "This Idempotency-Key was used with a different request." })
      case "InProgress":
        return yield* new Conflict({ code: "idempotency_in_progress", detail: "A request with this Idempotency-Key is still being processed." })
      case "Replay": {
        if (claim.response.status >= 400) return yield* replayProblem(claim.response.status, claim.response.body)
        return { _tag: "Replayed" as const, value: yield* Schema.decodeUnknownEffect(options.schema)(claim.response.body).pipe(Effect.orDie) }
      }
      case "New":
        return { _tag: "Run" as const, holder: claim.holder }
    }
  })

export const idempotent = <A, I, R>(options: {
  readonly organizationId: OrgId
  readonly key: string | undefined
  readonly operation: string
  readonly payload: unknown
  readonly successStatus: number
  readonly schema: Schema.Codec<A, I>
  readonly run: Effect.Effect<A, ApiProblem, R>
}): Effect.Effect<A, ApiProblem, R | IdempotencyStore | Transactions> =>
  Effect.gen(function*() {
    if (options.key === undefined) return yield* options.run
    const store = yield* IdempotencyStore
    const transactions = yield* Transactions
    const key = options.key
    const unavailable = () => new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1 })
    const claim = yield* claimKey({ ...options, key })
    if (claim._tag === "Replayed") return claim.value
    const holder = claim.holder
    const encode = Schema.encodeEffect(options.schema)
    const onFailure = (error: ApiProblem | PersistenceError): Effect.Effect<never, ApiProblem> => {
      if (error._tag === "PersistenceError" || error._tag === "ServiceUnavailable") {
        const reported = error._tag === "PersistenceError" ? unavailable() : error
        return store.release(options.organizationId, key, holder).pipe(Effect.ignore, Effect.andThen(Effect.fail(reported)))
      }
      // A client error is the answer to this request: remember it like a success.
      const code = "code" in error ? error.code : "bad_request"
      return store.complete(options.organizationId, key, holder, { status: error.status, body: { code, detail: error.detail } }).pipe(
        Effect.ignore,
        Effect.andThen(Effect.fail(error))
      )
    }
    return yield* transactions.inOrganization(options.organizationId)(
      options.run.pipe(
        Effect.tap((value) =>
          encode(value).pipe(
            Effect.orDie,
            Effect.flatMap((body) => store.complete(options.organizationId, key, holder, { status: options.successStatus, body })),
            // Our claim was taken over meanwhile: roll our writes back rather than run the operation twice.
            Effect.flatMap((completed) => (completed ? Effect.void : Effect.fail(new Conflict({ code: "idempotency_in_progress" }))))
          ))
      )
    ).pipe(
      Effect.catch(onFailure),
      // A crash or an interruption must not leave the key claimed until it goes stale.
      Effect.onError((cause) => (Cause.hasFails(cause) ? Effect.void : store.release(options.organizationId, key, holder).pipe(Effect.ignore)))
    )
  })
