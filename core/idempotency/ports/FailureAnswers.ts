/**
 * Port: how a failure is remembered as an Idempotency-Key's answer, so that a replay answers exactly as the first
 * request did. The HTTP edge implements it with its one error mapping; a status of 500 or more means "transient":
 * the key is given back instead of remembered.
 */
import { Context } from "effect"
import type { StoredResponse } from "./IdempotencyStore.ts"

export class FailureAnswers extends Context.Service<
  FailureAnswers,
  {
    readonly answerOf: (error: { readonly _tag: string }) => StoredResponse
  }
>()("tradeport/core/idempotency/ports/FailureAnswers") {}
