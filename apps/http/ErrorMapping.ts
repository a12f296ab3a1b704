/**
 * The one place domain and infrastructure failures become HTTP problems. `problemOf` says, per error family, which
 * problem (status, stable code, a sentence a person can act on) an error is; `problems` are the same mappings as
 * failing effects for `Effect.catchTags`; `FailureAnswersLive` stores them as Idempotency-Key answers, so a replay
 * answers exactly as the first request did.
 */
import { Effect, Layer, Schema } from "effect"
import { HttpApiError } from "effect/http-api"
import type { AdsRefused } from "../../core/advertising/Advertising.ts"
import type { ChannelUnusable } from "../../core/channels/ChannelSync.ts"
import type { TokenUnavailable } from "../../core/connections/ConnectionTokens.ts"
import type { DecryptionFailed } from "../../core/connections/ports/CredentialVault.ts"
import type { LockTimeout } from "../../core/connections/ports/DistributedLock.ts"
import type { TokenStillRejected } from "../../core/connections/TokenManager.ts"
import type { WeakPassword } from "../../core/identity/Identity.ts"
import type { MailError } from "../../core/notifications/ports/Mailer.ts"
import {
  MAX_PASSWORD_LENGTH,
  MIN_DISTINCT_CHARACTERS,
  MIN_PASSWORD_LENGTH
} from "../../core/identity/PasswordPolicy.ts"
import type { ProviderError } from "../../core/providers/ProviderError.ts"
import { type IdempotencyError, IrreversibleOutcome, type ReplayedFailure } from "../../core/idempotency/errors.ts"
import { FailureAnswers } from "../../core/idempotency/ports/FailureAnswers.ts"
import { G2AError, PurchaseAboveLimit } from "../../core/marketplace/Marketplace.ts"
import type { ProviderLookupError } from "../../core/providers/errors.ts"
import { type CacheError, PersistenceError } from "../../core/shared/errors.ts"
import { CarrierRejected, CarrierUnavailable } from "../../core/shipping/Shipment.ts"
import { CarrierAccountUnusable, OrderNotShippable } from "../../core/shipping/Shipping.ts"
import {
  BadGateway,
  Conflict,
  Forbidden,
  NotFound,
  ServiceUnavailable,
  Unauthorized,
  Unprocessable
} from "./Problems.ts"

type Problem =
  | NotFound
  | Conflict
  | Unauthorized
  | Forbidden
  | Unprocessable
  | ServiceUnavailable
  | BadGateway
  | HttpApiError.BadRequestProblem

export const storageUnavailable = () =>
  new ServiceUnavailable({
    code: "storage_unavailable",
    retryAfterSeconds: 1,
    detail: "Storage is unavailable, retry shortly."
  })

const retryAfter = (seconds: number | undefined, fallback: number) => Math.max(1, Math.ceil(seconds ?? fallback))

const offerNow = (e: G2AError) =>
  e.current === undefined ? "" : ` Current: ${e.current.price} ${e.current.currency}, ${e.current.stock} in stock.`

/** What an irreversible call was buying, in words. */
const SUBJECTS: Readonly<Record<string, string>> = { g2a_order: "order", label: "label" }

/** Unavailable or slow storage is "try again" (503); data the store refuses as such is the request's fault (400). */
const persistence = (error: PersistenceError | CacheError) =>
  error.reason === "Invalid"
    ? new HttpApiError.BadRequestProblem({
        detail: "The request contains a value the store cannot hold (for example a NUL character)."
      })
    : storageUnavailable()

/** What to change, per broken rule of the password policy. */
const WEAK_PASSWORD_DETAIL: Readonly<Record<WeakPassword["reason"], string>> = {
  too_short: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long; a few unrelated words make a good one.`,
  too_long: `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`,
  control_character: "The password must not contain control characters (such as NUL, tab or line breaks).",
  invalid_text: "The password must be valid Unicode text.",
  too_few_distinct: `The password must use at least ${MIN_DISTINCT_CHARACTERS} different characters.`,
  common: "This password is too common: it appears in lists of leaked passwords. Choose another."
}

export const problemOf = {
  persistence,
  weakPassword: (e: WeakPassword) =>
    new Unprocessable({ code: "weak_password", detail: WEAK_PASSWORD_DETAIL[e.reason] }),
  g2a: (e: G2AError) => {
    switch (e.kind) {
      case "validation":
        return new Unprocessable({ code: "g2a_rejected", detail: e.message })
      case "not_found":
        return new NotFound({ code: "g2a_product_not_found", detail: e.message })
      case "out_of_stock":
        return new Conflict({ code: "out_of_stock", detail: e.message + offerNow(e) })
      case "price_changed":
        return new Conflict({ code: "price_changed", detail: e.message + offerNow(e) })
      case "outcome_unknown":
        return new Conflict({ code: "g2a_order_outcome_unknown", detail: e.message })
      case "rate_limited":
        return new ServiceUnavailable({
          code: "g2a_rate_limited",
          retryAfterSeconds: retryAfter(e.retryAfterSeconds, 1),
          detail: "G2A is throttling requests; retry later."
        })
      case "unavailable":
        return new ServiceUnavailable({
          code: "g2a_unavailable",
          retryAfterSeconds: retryAfter(e.retryAfterSeconds, 5),
          detail: "G2A is unavailable; retry later."
        })
      case "auth":
        return new ServiceUnavailable({
          code: "g2a_auth_failed",
          detail: "G2A refused this deployment's credentials; operators have to fix them."
        })
      case "unknown":
        return new ServiceUnavailable({
          code: "g2a_bad_response",
          retryAfterSeconds: 5,
          detail: "G2A answered outside its contract."
        })
      case "not_configured":
        // A deployment without G2A has no such resource: like every provider that is not configured, 404.
        return new NotFound({ code: "provider_not_configured", detail: "G2A is not configured in this deployment." })
    }
  },
  aboveLimit: (e: PurchaseAboveLimit) =>
    new Conflict({
      code: "g2a_price_above_max",
      detail: `G2A created order ${e.orderId} at ${e.price} ${e.currency}, beyond the request's maxPrice/currency; it is recorded.`
    }),
  carrierUnavailable: (e: CarrierUnavailable) =>
    new ServiceUnavailable({
      code: "carrier_unavailable",
      retryAfterSeconds: e.retryAfterSeconds,
      detail: `${e.carrier} is not answering normally; retry later.`
    }),
  carrierRejected: (e: CarrierRejected) =>
    e.code === "account_credentials_refused"
      ? new Unprocessable({
          code: "carrier_credentials_refused",
          detail: `${e.carrier} refused these credentials (client id or secret wrong, or the project lacks API access).`
        })
      : e.code === "distribution_center_required"
        ? new Unprocessable({
            code: "distribution_center_required",
            detail: "A DHL eCommerce account needs its distribution center (e.g. USATL1)."
          })
        : new Unprocessable({
            code: "carrier_rejected",
            detail: `${e.carrier} refused the request (${e.code.slice(0, 80)}).`
          }),
  carrierAccount: (e: CarrierAccountUnusable) =>
    e.reason === "not_a_carrier"
      ? new Conflict({ code: "not_a_carrier", detail: "This connection is not a carrier account." })
      : new Conflict({ code: `connection_${e.status}`, detail: "The carrier account is not connected." }),
  providerLookup: (e: ProviderLookupError) =>
    e.reason === "not_configured"
      ? new NotFound({ code: "provider_not_configured", detail: `${e.provider} is not configured in this deployment.` })
      : new NotFound({ code: "provider_not_found", detail: `No provider ${e.provider.slice(0, 40)} offers this.` }),
  orderNotShippable: (_: OrderNotShippable) =>
    new Conflict({ code: "order_not_shippable", detail: "A cancelled order cannot be shipped." }),
  idempotency: (e: IdempotencyError) =>
    e.reason === "key_reused"
      ? new Unprocessable({
          code: "idempotency_key_reused",
          detail: "This Idempotency-Key was used with a different request."
        })
      : e.reason === "in_progress"
        ? new Conflict({
            code: "idempotency_in_progress",
            detail: "A request with this Idempotency-Key is still being processed."
          })
        : new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1 }),
  replayed: (e: ReplayedFailure) => {
    const stored = Schema.decodeUnknownOption(StoredProblem)(e.body)
    const fields = stored._tag === "Some" ? stored.value : { code: "replayed_error" }
    switch (e.status) {
      case 400:
        return new HttpApiError.BadRequestProblem({ ...(fields.detail === undefined ? {} : { detail: fields.detail }) })
      case 404:
        return new NotFound(fields)
      case 409:
        return new Conflict(fields)
      default:
        return new Unprocessable(fields)
    }
  },
  irreversible: (e: IrreversibleOutcome) => {
    const noun = SUBJECTS[e.subject] ?? e.subject
    return e.reason === "unknown"
      ? new Conflict({
          code: `${e.subject}_outcome_unknown`,
          detail: `${e.provider} did not confirm the ${noun}; check with ${e.provider} before retrying with a new Idempotency-Key.`
        })
      : new Conflict({
          code: `${e.subject}_not_recorded`,
          detail: `${e.provider} created ${noun} ${e.reference ?? ""}, but it could not be recorded; do not retry, contact support.`
        })
  },
  ads: (e: AdsRefused) =>
    e.reason === "not_configured"
      ? new NotFound({ code: "provider_not_configured", detail: "Amazon Ads is not configured." })
      : e.reason === "disconnected"
        ? new Conflict({ code: "connection_disconnected", detail: "The connection must be re-authorised." })
        : new Conflict({ code: "not_amazon_ads", detail: "This connection is not an Amazon Ads account." }),
  channel: (e: ChannelUnusable) =>
    e.reason === "needs_reauth"
      ? new Conflict({ code: "needs_reauth", detail: "The connection must be re-authorised first." })
      : e.reason === "disconnected"
        ? new Conflict({ code: "connection_disconnected", detail: "The connection is disconnected." })
        : new Conflict({ code: "not_a_channel", detail: "Only sales channels have orders to sync." })
} as const

const StoredProblem = Schema.Struct({ code: Schema.String, detail: Schema.optionalKey(Schema.String) })

const fail =
  <E, P>(f: (e: E) => P) =>
  (e: E) =>
    Effect.fail(f(e))

/** Storage refusing a well-formed write is a bug (500): a defect, never a problem body with its cause. */
const persistenceOrDefect = (error: PersistenceError | CacheError) =>
  error.reason === "Rejected" ? Effect.die(error) : Effect.fail(persistence(error))

export const problems = {
  WeakPassword: fail(problemOf.weakPassword),
  EmailTaken: () =>
    Effect.fail(new Conflict({ code: "email_taken", detail: "An account with this email already exists." })),
  InvalidCredentials: () =>
    Effect.fail(new Unauthorized({ code: "invalid_credentials", detail: "Email or password is incorrect." })),
  WrongPassword: () =>
    Effect.fail(new Forbidden({ code: "wrong_password", detail: "The current password is incorrect." })),
  InvalidAccountToken: () =>
    Effect.fail(
      new Unprocessable({ code: "invalid_token", detail: "This link is not valid: it expired or was already used." })
    ),
  MailError: (e: MailError) =>
    Effect.logError("email not sent").pipe(
      Effect.annotateLogs({ operation: e.operation, reason: e.reason }),
      Effect.andThen(
        Effect.fail(
          new ServiceUnavailable({
            code: "mail_unavailable",
            detail: "The email could not be sent just now; try again in a minute.",
            retryAfterSeconds: 60
          })
        )
      )
    ),
  InvalidRefreshToken: () =>
    Effect.fail(
      new Unauthorized({ code: "invalid_refresh_token", detail: "The refresh token is not valid; log in again." })
    ),
  InsufficientRole: () =>
    Effect.fail(new Forbidden({ code: "insufficient_role", detail: "Your role does not allow this." })),
  MemberNotFound: () => Effect.fail(new NotFound({ code: "member_not_found" })),
  MemberChanged: () =>
    Effect.fail(new Conflict({ code: "member_changed", detail: "The member changed meanwhile; reload and retry." })),
  LastOwner: () =>
    Effect.fail(new Conflict({ code: "last_owner", detail: "An organisation must keep at least one owner." })),
  ConnectionNotFound: () => Effect.fail(new NotFound({ code: "connection_not_found" })),
  OrderNotFound: () => Effect.fail(new NotFound({ code: "order_not_found" })),
  PersistenceError: persistenceOrDefect,
  /** A stored credential that cannot be decrypted: a broken keyring, a defect (500, logged), never a problem body. */
  DecryptionFailed: (e: DecryptionFailed) => Effect.die(e),
  CacheError: persistenceOrDefect,
  G2AError: fail(problemOf.g2a),
  PurchaseAboveLimit: fail(problemOf.aboveLimit),
  CarrierUnavailable: fail(problemOf.carrierUnavailable),
  CarrierRejected: fail(problemOf.carrierRejected),
  CarrierAccountUnusable: fail(problemOf.carrierAccount),
  ProviderLookupError: fail(problemOf.providerLookup),
  OrderNotShippable: fail(problemOf.orderNotShippable),
  IdempotencyError: fail(problemOf.idempotency),
  ReplayedFailure: fail(problemOf.replayed),
  IrreversibleOutcome: fail(problemOf.irreversible),
  ChannelUnusable: fail(problemOf.channel),
  AdsRefused: fail(problemOf.ads),
  UnknownProfile: () =>
    Effect.fail(new Unprocessable({ code: "unknown_profile", detail: "This account has no such advertising profile." }))
} as const

/** Provider calls: a provider failing is "try later" (503); one refusing our request is a bad gateway (502). */
export const providerProblem = (e: ProviderError) => {
  switch (e.reason) {
    case "RateLimited":
    case "CircuitOpen":
    case "Timeout":
    case "Unavailable":
      return Effect.fail(
        new ServiceUnavailable({
          code: e.reason === "CircuitOpen" ? "provider_circuit_open" : "provider_unavailable",
          retryAfterSeconds: Math.max(1, Math.ceil(e.retryAfterSeconds ?? 30)),
          detail: `${e.provider} is not answering normally; retry later.`
        })
      )
    default:
      return Effect.fail(
        new BadGateway({ code: "provider_rejected", detail: `${e.provider} refused the request (${e.reason}).` })
      )
  }
}

/** For `Effect.catchTags`: every failure a channel call can end in. */
export const channelProblems = {
  ProviderError: providerProblem,
  TokenUnavailable: (e: TokenUnavailable) =>
    e.reason === "transient"
      ? Effect.fail(
          new ServiceUnavailable({
            code: "token_unavailable",
            retryAfterSeconds: 30,
            detail: "The provider token could not be refreshed; retry later."
          })
        )
      : Effect.fail(
          new Conflict({
            code: e.reason === "needs_reauth" ? "needs_reauth" : "connection_disconnected",
            detail: "The connection must be re-authorised."
          })
        ),
  TokenStillRejected: (_: TokenStillRejected) =>
    Effect.fail(
      new BadGateway({ code: "provider_refused_token", detail: "The provider refused a freshly refreshed token." })
    ),
  LockTimeout: (_: LockTimeout) =>
    Effect.fail(
      new ServiceUnavailable({
        code: "token_busy",
        retryAfterSeconds: 5,
        detail: "The token is being refreshed; retry shortly."
      })
    ),
  DecryptionFailed: (e: DecryptionFailed) => Effect.die(e),
  PersistenceError: persistenceOrDefect
} as const

const answer = (problem: Problem) => ({
  status: problem.status,
  body: { code: "code" in problem ? problem.code : "bad_request", detail: problem.detail }
})

const isTagged = <T extends string>(error: { readonly _tag: string }, tag: T): error is { readonly _tag: T } =>
  error._tag === tag

/** Failures remembered under an Idempotency-Key, by the same mapping as every response. */
export const FailureAnswersLive = Layer.succeed(
  FailureAnswers,
  FailureAnswers.of({
    answerOf: (error) => {
      if (error instanceof G2AError) return answer(problemOf.g2a(error))
      if (error instanceof PurchaseAboveLimit) return answer(problemOf.aboveLimit(error))
      if (error instanceof CarrierUnavailable) return answer(problemOf.carrierUnavailable(error))
      if (error instanceof CarrierRejected) return answer(problemOf.carrierRejected(error))
      if (error instanceof CarrierAccountUnusable) return answer(problemOf.carrierAccount(error))
      if (error instanceof OrderNotShippable) return answer(problemOf.orderNotShippable(error))
      if (error instanceof IrreversibleOutcome) return answer(problemOf.irreversible(error))
      if (error instanceof PersistenceError) return answer(persistence(error))
      if (isTagged(error, "OrderNotFound")) return answer(new NotFound({ code: "order_not_found" }))
      if (isTagged(error, "ConnectionNotFound")) return answer(new NotFound({ code: "connection_not_found" }))
      // Anything else is not an answer to remember: the key is given back.
      return { status: 500, body: { code: "internal_error" } }
    }
  })
)

/** Storage that failed (the database or Redis): the same answer from every handler. */
export const storageProblems = {
  PersistenceError: problems.PersistenceError,
  CacheError: problems.CacheError
} as const
