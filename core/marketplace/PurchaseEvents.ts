/**
 * What G2A webhooks do: `order.status { data: { order_id, status } }` moves the organisation's purchase forward
 * (the pipeline has already verified, deduplicated and opened the transaction this runs in). A status for an
 * order not recorded yet is retried later (the order response may still be on its way); an unknown status word
 * or a move the machine refuses is recorded as failed, never guessed at.
 */
import { Effect, Option, type Redacted, Schema } from "effect"
import type { PersistenceError } from "../shared/errors.ts"
import { type Applier, run, type SourceLookup, WebhookApplyError, WebhookUnrouted } from "../webhooks/Pipeline.ts"
import { WebhookRejected } from "../webhooks/Webhook.ts"
import { PurchaseRepository } from "./ports/PurchaseRepository.ts"
import { fromG2AStatus } from "./Purchase.ts"

const StatusEvent = Schema.Struct({
  data: Schema.Struct({
    order_id: Schema.Union([Schema.String, Schema.Number]),
    status: Schema.String.pipe(Schema.check(Schema.isMaxLength(64)))
  })
})

export const applyG2AEvent: Applier<PersistenceError, PurchaseRepository> = (source, event) =>
  run(
    Effect.gen(function* () {
      if (event.topic !== "order.status") return "ignored" as const
      const { data } = yield* Schema.decodeUnknownEffect(StatusEvent)(event.payload).pipe(
        Effect.catch(() => Effect.fail(new WebhookApplyError({ detail: "invalid order.status payload" })))
      )
      const orderId = String(data.order_id)
      const status = fromG2AStatus(data.status)
      if (status === undefined)
        return yield* new WebhookApplyError({ detail: `unknown G2A order status "${data.status.slice(0, 64)}"` })
      // The source is the account the order was placed with: the deployment's G2A account, or the connection's.
      const outcome = yield* (yield* PurchaseRepository).updateStatus(
        source.organizationId,
        "g2a",
        source.connectionId,
        orderId,
        status
      )
      if (Option.isNone(outcome)) {
        return yield* new WebhookApplyError({
          detail: `no G2A order ${orderId.slice(0, 64)} recorded yet`,
          retryable: true
        })
      }
      if (outcome.value.decision === "illegal") {
        return yield* new WebhookApplyError({
          detail: `G2A order ${orderId.slice(0, 64)} cannot go from ${outcome.value.purchase.status} to ${status}`
        })
      }
      return outcome.value.decision === "apply" ? ("applied" as const) : ("ignored" as const)
    })
  )

const OrderReference = Schema.Struct({
  data: Schema.Struct({ order_id: Schema.Union([Schema.String, Schema.Number]) })
})

/**
 * Deliveries to the deployment's own G2A account (`/webhooks/g2a`): verified with the account's hash, then routed
 * to the organisation that made the purchase the event names. Other topics are acknowledged as ignored; an
 * order.status without an order id is malformed; one for an order not recorded (yet) is retried later by the sender.
 */
export const g2aAccountSource = (account: {
  readonly id: string
  readonly webhookSecrets: ReadonlyArray<Redacted.Redacted<string>>
}): SourceLookup<PurchaseRepository> => ({
  secrets: Effect.succeed(Option.some(account.webhookSecrets)),
  source: (event) =>
    Effect.gen(function* () {
      // Only order events concern an organisation's data; anything else from the account is acknowledged and left.
      if (event.topic !== "order.status") return yield* new WebhookUnrouted({ eventId: event.eventId })
      const reference = Schema.decodeUnknownOption(OrderReference)(event.payload)
      if (Option.isNone(reference)) return yield* new WebhookRejected({ reason: "malformed" })
      const owner = yield* (yield* PurchaseRepository).ownerOf("g2a", account.id, String(reference.value.data.order_id))
      return Option.map(owner, (organizationId) => ({
        organizationId,
        connectionId: account.id,
        externalAccount: account.id,
        secrets: account.webhookSecrets
      }))
    })
})
