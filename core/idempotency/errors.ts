/**
 * The error family of Idempotency-Key handling, with a reason: the key was used for another request, its first
 * request is still running, or the store is unavailable; and, for replays, the failure answer stored under the key
 * the first time (replayed as it was given).
 */
import { Schema } from "effect"

export class IdempotencyError extends Schema.TaggedError<IdempotencyError>()("IdempotencyError", {
  reason: Schema.Literals(["key_reused", "in_progress", "storage_unavailable"])
}) {}

export class ReplayedFailure extends Schema.TaggedError<ReplayedFailure>()("ReplayedFailure", {
  status: Schema.Int,
  body: Schema.Unknown
}) {}

/**
 * An irreversible provider call (a purchase, a label) whose outcome is not known (it may have happened), or that
 * happened but could not be recorded. Either way: never retried with the same key, and a person must look.
 */
export class IrreversibleOutcome extends Schema.TaggedError<IrreversibleOutcome>()("IrreversibleOutcome", {
  reason: Schema.Literals(["unknown", "not_recorded"]),
  /** What was being bought (`g2a_order`, `label`): the stable code prefix. */
  subject: Schema.String,
  provider: Schema.String,
  /** The provider's reference for what was bought, when it answered (an order id, a tracking number). */
  reference: Schema.optionalKey(Schema.String)
}) {}
