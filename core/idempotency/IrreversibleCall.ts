/**
 * A provider call that spends money and cannot be undone (a G2A purchase, a carrier label), made at most once per
 * Idempotency-Key:
 * 1. the key is claimed and `prepare` runs (nothing spent yet: a refusal is the key's answer, trouble that left
 *    nothing behind gives the key back);
 * 2. BEFORE the call, the key's answer is stored as "outcome unknown": from then on no retry with this key can
 *    spend again, whatever happens to this process, its client or the database;
 * 3. the call and the recording run uninterruptibly (a client hanging up does not abort them), and no database
 *    transaction is held across the call;
 * 4. the real answer then replaces the provisional one in one short transaction with what `record` writes. If that
 *    fails, "outcome unknown" stays and the log names the provider's reference.
 */
import { Effect, Result, Schema } from "effect"
import type { OrgId } from "../shared/Ids.ts"
import type { PersistenceError } from "../shared/errors.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { IdempotencyError, IrreversibleOutcome, type ReplayedFailure } from "./errors.ts"
import { claim } from "./Idempotency.ts"
import { FailureAnswers } from "./ports/FailureAnswers.ts"
import { IdempotencyStore } from "./ports/IdempotencyStore.ts"

/** After a failed call: provably not made, refused as such (nothing spent), or unknown (it may have happened). */
export type CallOutcome = "not_reached" | "refused" | "unknown"

export interface IrreversibleCall<P, Res, A, I, EP extends Tagged, EC extends Tagged, ED extends Tagged, RP, RC, RR> {
  readonly organizationId: OrgId
  readonly key: string
  readonly operation: string
  readonly payload: unknown
  readonly success: Schema.Codec<A, I>
  /** What is being bought (`g2a_order`, `label`) and from whom: names the outcome-unknown answers. */
  readonly subject: string
  readonly provider: (prepared: P) => string
  readonly prepare: Effect.Effect<P, EP, RP>
  readonly call: (prepared: P) => Effect.Effect<Res, EC, RC>
  readonly classify: (error: EC) => CallOutcome
  /** The provider's reference for what it sold (logged if recording fails). */
  readonly reference: (result: Res) => string
  /** Writes the result (inside the answer's transaction): the success, or a refusal that is recorded all the same. */
  readonly record: (prepared: P, result: Res) => Effect.Effect<Result.Result<A, ED>, PersistenceError, RR>
}

interface Tagged {
  readonly _tag: string
}

export const run = <P, Res, A, I, EP extends Tagged, EC extends Tagged, ED extends Tagged, RP, RC, RR>(
  spec: IrreversibleCall<P, Res, A, I, EP, EC, ED, RP, RC, RR>
): Effect.Effect<
  A,
  EP | EC | ED | IdempotencyError | ReplayedFailure | IrreversibleOutcome,
  RP | RC | RR | IdempotencyStore | Transactions | FailureAnswers
> =>
  Effect.gen(function* () {
    const store = yield* IdempotencyStore
    const transactions = yield* Transactions
    const { answerOf } = yield* FailureAnswers
    const { organizationId, key } = spec
    const claimed = yield* claim({ ...spec, schema: spec.success })
    if (claimed._tag === "Replayed") return claimed.value
    const holder = claimed.holder

    // 1. Nothing spent yet: a refusal is this key's answer; trouble that left nothing behind gives the key back.
    const prepared = yield* spec.prepare.pipe(
      Effect.tapError((e) => {
        const answer = answerOf(e)
        const settle =
          answer.status >= 500
            ? store.release(organizationId, key, holder)
            : store.complete(organizationId, key, holder, answer)
        return settle.pipe(Effect.ignore)
      })
    )

    // 2. The point of no return.
    const unknown = new IrreversibleOutcome({
      reason: "unknown",
      subject: spec.subject,
      provider: spec.provider(prepared)
    })
    const provisional = yield* store
      .complete(organizationId, key, holder, answerOf(unknown))
      .pipe(
        Effect.catchTag("PersistenceError", () =>
          store
            .release(organizationId, key, holder)
            .pipe(Effect.ignore, Effect.andThen(Effect.fail(new IdempotencyError({ reason: "storage_unavailable" }))))
        )
      )
    if (!provisional) return yield* new IdempotencyError({ reason: "in_progress" })

    // 3 + 4. Uninterruptible from the call to the recorded answer.
    return yield* Effect.uninterruptible(
      Effect.gen(function* () {
        const called = yield* spec.call(prepared).pipe(Effect.result)
        if (Result.isFailure(called)) {
          const e = called.failure
          switch (spec.classify(e)) {
            case "unknown":
              return yield* unknown
            case "not_reached":
              yield* store.abandon(organizationId, key, holder).pipe(Effect.ignore)
              return yield* Effect.fail(e)
            case "refused": {
              const answer = answerOf(e)
              // A refusal the edge calls transient cannot be this key's answer (it would replay as another status),
              // and after the call nothing proves it was not made: the outcome stays unknown.
              if (answer.status >= 500) return yield* unknown
              yield* store.supersede(organizationId, key, holder, answer).pipe(Effect.ignore)
              return yield* Effect.fail(e)
            }
          }
        }
        const result = called.success
        const recorded = yield* transactions
          .inOrganization(organizationId)(
            Effect.gen(function* () {
              const outcome = yield* spec.record(prepared, result)
              const answer = Result.isSuccess(outcome)
                ? { status: 201, body: yield* Schema.encodeEffect(spec.success)(outcome.success).pipe(Effect.orDie) }
                : answerOf(outcome.failure)
              yield* store.supersede(organizationId, key, holder, answer)
              return outcome
            })
          )
          .pipe(Effect.result)
        if (Result.isFailure(recorded)) {
          yield* Effect.logError("irreversible call made but not recorded").pipe(
            Effect.annotateLogs({ subject: spec.subject, reference: spec.reference(result), operation: spec.operation })
          )
          return yield* new IrreversibleOutcome({
            reason: "not_recorded",
            subject: spec.subject,
            provider: spec.provider(prepared),
            reference: spec.reference(result)
          })
        }
        const outcome = recorded.success
        return Result.isSuccess(outcome) ? outcome.success : yield* Effect.fail(outcome.failure)
      })
    )
  })
