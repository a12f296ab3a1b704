/** The one error every provider call can end in, with a reason callers and the HTTP edge can act on. */
import { Schema } from "effect"

export const ProviderFailure = Schema.Literals([
  "Timeout", // no answer in time (retried)
  "Unavailable", // network failure or 5xx (retried)
  "RateLimited", // 429 after the retries (retryAfterSeconds says when)
  "CircuitOpen", // the provider is failing: not called at all
  "Unauthorized", // 401: the token was refused
  "Rejected", // other 4xx: our request is wrong or not allowed (never retried)
  "Decode" // the answer does not match the provider's contract
])
export type ProviderFailure = typeof ProviderFailure.Type

export class ProviderError extends Schema.TaggedError<ProviderError>()("ProviderError", {
  provider: Schema.String,
  operation: Schema.String,
  reason: ProviderFailure,
  status: Schema.optional(Schema.Int),
  retryAfterSeconds: Schema.optional(Schema.Number),
  /** A short, sanitised excerpt of the provider's answer, for logs and error mapping (never secrets). */
  detail: Schema.optional(Schema.String)
}) {}

export const isRetryable = (e: ProviderError) =>
  e.reason === "Timeout" || e.reason === "Unavailable" || e.reason === "RateLimited"
