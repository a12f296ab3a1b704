/**
 * The webhook pipeline: resolve the source → verify the signature (policy) → reject replayed nonces → at once,
 * record the event (unique per connection and event id) and apply its effect: an order change in one statement of the
 * event store, other work in one transaction. A duplicate is
 * acknowledged and changes nothing; an authentic event that cannot be applied is recorded as failed (and
 * acknowledged: retrying would not change it); a transient failure is not acknowledged, so the sender retries.
 */
import { Duration, Effect, Metric, Option, Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { type ChangeResult, isRefusal, type OrderChange } from "../channels/OrderChange.ts"
import type { PersistenceError } from "../shared/errors.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import { NonceGuard } from "./ports/NonceGuard.ts"
import { WebhookEvents } from "./ports/WebhookEvents.ts"
import { type WebhookSource, WebhookSources } from "./ports/WebhookSources.ts"
import {
  type InboundDelivery,
  type SignaturePolicy,
  TIMESTAMP_TOLERANCE_SECONDS,
  type VerifiedEvent,
  WebhookRejected
} from "./Webhook.ts"

/**
 * An authentic event whose effect cannot happen. Permanent (unknown SKU, invalid data): recorded as failed and
 * acknowledged. `retryable` (it depends on an event not seen yet, e.g. a cancellation before its order): nothing
 * is recorded and the sender is asked to retry later.
 */
export class WebhookApplyError extends Schema.TaggedError<WebhookApplyError>()("WebhookApplyError", {
  detail: Schema.String,
  retryable: Schema.optionalKey(Schema.Boolean)
}) {}

/** The delivery was authentic but cannot be processed now: not acknowledged, so the sender retries. */
export class WebhookRetryLater extends Schema.TaggedError<WebhookRetryLater>()("WebhookRetryLater", {
  detail: Schema.String
}) {}

/**
 * An authentic event an account-level endpoint has no organisation for and nothing to do with (a topic no
 * organisation's data depends on): acknowledged as `ignored`, not recorded.
 */
export class WebhookUnrouted extends Schema.TaggedError<WebhookUnrouted>()("WebhookUnrouted", {
  eventId: Schema.String
}) {}

/**
 * What an event does. Most often a change to orders, as data: the event store records the event and makes the change
 * in one step (`WebhookEvents.applyOnce`), and `outcome` says what the result means for the delivery — failing with
 * WebhookApplyError exactly for the refusals (OrderChange.isRefusal), which leave nothing recorded. Any other work
 * runs (`Run`) inside the organisation's transaction, after the event is recorded.
 */
export type Application<E, R> =
  | { readonly _tag: "Run"; readonly run: Effect.Effect<"applied" | "ignored", WebhookApplyError | E, R> }
  | {
      readonly _tag: "Change"
      readonly change: OrderChange
      readonly outcome: (result: ChangeResult) => Effect.Effect<"applied" | "ignored", WebhookApplyError>
    }

/** Decides what an event does (reads nothing and writes nothing itself: a payload it cannot use fails). */
export type Applier<E, R> = (
  source: WebhookSource,
  event: VerifiedEvent
) => Effect.Effect<Application<E, R>, WebhookApplyError>

/** Work run inside the organisation's transaction, after the event is recorded. */
export const run = <E, R>(
  effect: Effect.Effect<"applied" | "ignored", WebhookApplyError | E, R>
): Effect.Effect<Application<E, R>> => Effect.succeed({ _tag: "Run", run: effect })

export type Outcome = "applied" | "duplicate" | "ignored" | "failed"

const deliveries = Metric.counter("webhook_deliveries_total", {
  description: "Authentic webhook deliveries by provider and outcome"
})
const rejections = Metric.counter("webhook_rejections_total", {
  description: "Refused webhook deliveries by provider and reason"
})

/**
 * Who a delivery is for. A per-connection URL knows its source (and secrets) before verifying; an account-level
 * endpoint (the deployment's own G2A account) knows its secrets, and finds the organisation from the verified event.
 */
export interface SourceLookup<R> {
  readonly secrets: Effect.Effect<Option.Option<ReadonlyArray<Redacted.Redacted<string>>>, PersistenceError, R>
  readonly source: (
    event: VerifiedEvent
  ) => Effect.Effect<Option.Option<WebhookSource>, PersistenceError | WebhookRejected | WebhookUnrouted, R>
}

/** The source named by `/webhooks/{provider}/{connectionId}`. */
export const connectionSource = (provider: string, connectionId: string) =>
  Effect.gen(function* () {
    const resolved = yield* (yield* WebhookSources).resolve(provider, connectionId)
    const lookup: SourceLookup<never> = {
      secrets: Effect.succeed(Option.map(resolved, (s) => s.secrets)),
      source: () => Effect.succeed(resolved)
    }
    return lookup
  })

/**
 * A per-connection URL whose deliveries are signed with the APP's secret (Shopify): each of the app's secrets
 * verifies, and the account the sender claims (an unsigned header) must be the connection's own — otherwise one
 * merchant's genuine delivery could be replayed into another merchant's connection.
 */
export const appSecretSource = (
  provider: string,
  connectionId: string,
  secrets: ReadonlyArray<Redacted.Redacted<string>>
) =>
  Effect.gen(function* () {
    const resolved = yield* (yield* WebhookSources).resolve(provider, connectionId)
    const lookup: SourceLookup<never> = {
      secrets: Effect.succeed(Option.map(resolved, () => secrets)),
      source: (event) =>
        Option.isSome(resolved) && event.claimedAccount !== resolved.value.externalAccount
          ? Effect.fail(new WebhookRejected({ reason: "account_mismatch" }))
          : Effect.succeed(resolved)
    }
    return lookup
  })

/** Runs the pipeline for one delivery to a connection's URL. */
export const receive = <E, R>(
  policy: SignaturePolicy,
  connectionId: string,
  delivery: InboundDelivery,
  apply: Applier<E, R>
) =>
  connectionSource(delivery.provider, connectionId).pipe(
    Effect.flatMap((lookup) => receiveWith(policy, lookup, delivery, apply))
  )

/** Runs the pipeline for one delivery and counts what became of it (outcome, or the reason it was refused). */
export const receiveWith = <E, R, R2>(
  policy: SignaturePolicy,
  lookup: SourceLookup<R2>,
  delivery: InboundDelivery,
  apply: Applier<E, R>
) =>
  process(policy, lookup, delivery, apply).pipe(
    Effect.catchIf(
      (e): e is WebhookUnrouted => e instanceof WebhookUnrouted,
      (e) => Effect.succeed({ outcome: "ignored" as Outcome, eventId: e.eventId })
    ),
    Effect.tap((result) =>
      Metric.update(Metric.withAttributes(deliveries, { provider: delivery.provider, outcome: result.outcome }), 1)
    ),
    Effect.tapError((error) =>
      error instanceof WebhookRejected
        ? Metric.update(Metric.withAttributes(rejections, { provider: delivery.provider, reason: error.reason }), 1)
        : Effect.void
    )
  )

const process = Effect.fn("Webhooks.receive")(function* <E, R, R2>(
  policy: SignaturePolicy,
  lookup: SourceLookup<R2>,
  delivery: InboundDelivery,
  apply: Applier<E, R>
) {
  const events = yield* WebhookEvents
  const nonces = yield* NonceGuard
  const transactions = yield* Transactions
  const secrets = yield* lookup.secrets
  if (Option.isNone(secrets) || secrets.value.length === 0) {
    // Not an oracle: a delivery for a source we do not know is verified against a secret nobody has, so it is refused
    // exactly as a forged delivery to a real source would be (malformed, stale or bad signature), at the same cost.
    yield* policy.verify(delivery, [Redacted.make(randomBytes(32).toString("base64"))])
    return yield* new WebhookRejected({ reason: "signature" })
  }
  const event = yield* policy.verify(delivery, secrets.value)
  const source = yield* lookup.source(event)
  // Authentic, but about something we do not hold (yet): the sender retries later.
  if (Option.isNone(source))
    return yield* new WebhookRetryLater({
      detail: `event ${event.eventId.slice(0, 64)} is for nothing recorded here yet`
    })
  const record = {
    provider: delivery.provider,
    eventId: event.eventId,
    organizationId: source.value.organizationId,
    connectionId: source.value.connectionId,
    topic: event.topic,
    payload: Buffer.from(delivery.rawBody).toString("utf8")
  }
  const nonceScope = `${delivery.provider}:${source.value.connectionId}`
  if (Option.isSome(event.nonce)) {
    const fresh = yield* nonces
      .claim(nonceScope, event.nonce.value, Duration.seconds(TIMESTAMP_TOLERANCE_SECONDS * 2))
      .pipe(
        // Without Redis the durable event-id check still prevents double application.
        Effect.orElseSucceed(() => true)
      )
    if (!fresh) {
      // The same delivery sent again is a duplicate; a used nonce on another event is a replay.
      if (yield* events.exists(record)) return { outcome: "duplicate" as Outcome, eventId: event.eventId }
      return yield* new WebhookRejected({ reason: "replayed" })
    }
  }
  const giveBackNonce = Option.isSome(event.nonce)
    ? nonces.release(nonceScope, event.nonce.value).pipe(Effect.ignore)
    : Effect.void
  // A payload the applier cannot use is refused as an applied event would be: recorded once, as failed.
  const application = yield* apply(source.value, event).pipe(
    Effect.catch((e) => Effect.succeed<Application<E, R>>({ _tag: "Run", run: Effect.fail(e) }))
  )
  const applied: Effect.Effect<"duplicate" | "applied" | "ignored", WebhookApplyError | E | PersistenceError, R> =
    application._tag === "Change"
      ? Effect.gen(function* () {
          const result = yield* events.applyOnce(record, application.change)
          if (result.result === "duplicate") return "duplicate" as const
          const meaning = yield* application.outcome(result)
          // A refusal left no record of the event: answering it as done would lose the event.
          if (isRefusal(application.change, result))
            return yield* Effect.die(new Error(`refused change (${result.result}) answered as ${meaning}`))
          return meaning
        })
      : transactions.inOrganization(source.value.organizationId)(
          Effect.gen(function* () {
            const isNew = yield* events.recordApplied(record)
            if (!isNew) return "duplicate" as const
            return yield* application.run
          })
        )
  const outcome = yield* applied.pipe(
    Effect.catchIf(
      (e): e is WebhookApplyError => e instanceof WebhookApplyError,
      (e): Effect.Effect<"failed", WebhookRetryLater | PersistenceError> =>
        e.retryable === true
          ? giveBackNonce.pipe(Effect.andThen(Effect.fail(new WebhookRetryLater({ detail: e.detail }))))
          : events.recordOutcome(record, "failed", e.detail).pipe(Effect.as("failed" as const))
    ),
    // Not processed: the sender will retry with the same nonce, which must still be usable then.
    Effect.tapError(() => giveBackNonce)
  )
  if (outcome === "ignored") yield* events.recordOutcome(record, "ignored", `${event.topic}: nothing to change`)
  yield* Effect.annotateCurrentSpan({
    "webhook.provider": delivery.provider,
    "webhook.event_id": event.eventId,
    "webhook.outcome": outcome
  })
  return { outcome: outcome as Outcome, eventId: event.eventId }
})
