/**
 * Idempotency-Key handling for API mutations (Stripe's semantics; IETF httpapi idempotency-key draft):
 * - first request with a key: run it; its response (success or client error) is stored in the SAME transaction as
 *   the operation's writes, so "done but not remembered" cannot happen;
 * - same key, same payload: the stored response is replayed (24 h);
 * - same key, another payload: 422 `idempotency_key_reused`; same key while the first still runs: 409
 *   `idempotency_in_progress`;
 * - a transient failure (503) gives the key back, so the client's retry runs the operation.
 */
import { Cause, Effect, Schema } from "effect"
import type { HttpApiError } from "effect/http-api"
import { claim } from "../../core/idempotency/Idempotency.ts"
import { IdempotencyStore } from "../../core/idempotency/ports/IdempotencyStore.ts"
import type { PersistenceError } from "../../core/shared/errors.ts"
import type { OrgId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { problems, storageUnavailable } from "./ErrorMapping.ts"
import { Conflict, type NotFound, type ServiceUnavailable, type Unprocessable } from "./Problems.ts"

type ApiProblem = Conflict | Unprocessable | NotFound | ServiceUnavailable | HttpApiError.BadRequestProblem

export const idempotent = <A, I, R>(options: {
  readonly organizationId: OrgId
  readonly key: string | undefined
  readonly operation: string
  readonly payload: unknown
  readonly successStatus: number
  readonly schema: Schema.Codec<A, I>
  readonly run: Effect.Effect<A, ApiProblem, R>
}): Effect.Effect<A, ApiProblem, R | IdempotencyStore | Transactions> =>
  Effect.gen(function* () {
    if (options.key === undefined) return yield* options.run
    const store = yield* IdempotencyStore
    const transactions = yield* Transactions
    const key = options.key
    const claimed = yield* claim({ ...options, key }).pipe(
      Effect.catchTags({ IdempotencyError: problems.IdempotencyError, ReplayedFailure: problems.ReplayedFailure })
    )
    if (claimed._tag === "Replayed") return claimed.value
    const holder = claimed.holder
    const encode = Schema.encodeEffect(options.schema)
    const onFailure = (error: ApiProblem | PersistenceError): Effect.Effect<never, ApiProblem> => {
      if (error._tag === "PersistenceError" || error._tag === "ServiceUnavailable") {
        const reported = error._tag === "PersistenceError" ? storageUnavailable() : error
        return store
          .release(options.organizationId, key, holder)
          .pipe(Effect.ignore, Effect.andThen(Effect.fail(reported)))
      }
      // A client error is the answer to this request: remember it like a success.
      const code = "code" in error ? error.code : "bad_request"
      return store
        .complete(options.organizationId, key, holder, { status: error.status, body: { code, detail: error.detail } })
        .pipe(Effect.ignore, Effect.andThen(Effect.fail(error)))
    }
    return yield* transactions
      .inOrganization(options.organizationId)(
        options.run.pipe(
          Effect.tap((value) =>
            encode(value).pipe(
              Effect.orDie,
              Effect.flatMap((body) =>
                store.complete(options.organizationId, key, holder, { status: options.successStatus, body })
              ),
              // Our claim was taken over meanwhile: roll our writes back rather than run the operation twice.
              Effect.flatMap((completed) =>
                completed ? Effect.void : Effect.fail(new Conflict({ code: "idempotency_in_progress" }))
              )
            )
          )
        )
      )
      .pipe(
        Effect.catch(onFailure),
        // A crash or an interruption must not leave the key claimed until it goes stale.
        Effect.onError((cause) =>
          Cause.hasFails(cause) ? Effect.void : store.release(options.organizationId, key, holder).pipe(Effect.ignore)
        )
      )
  })
