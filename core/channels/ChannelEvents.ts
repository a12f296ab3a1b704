/**
 * What a sales channel's webhook does, once the adapter has decoded it: an order event is ingested (created once,
 * cancelled when the order says so); an uninstall disconnects the connection — but only when the signed payload
 * names the connection's own account, so neither an unsigned header nor a payload of another topic can cut a
 * merchant off.
 */
import { DateTime, Effect, Result } from "effect"
import type { AuditLog } from "../audit/ports/AuditLog.ts"
import { ConnectionId } from "../connections/Connection.ts"
import { markUninstalled } from "../connections/Connections.ts"
import type { PersistenceError } from "../shared/errors.ts"
import { type Applier, type Application, run, WebhookApplyError } from "../webhooks/Pipeline.ts"
import type { WebhookSource } from "../webhooks/ports/WebhookSources.ts"
import type { VerifiedEvent } from "../webhooks/Webhook.ts"
import {
  cancelChange,
  type ChannelOrder,
  type ChannelOrderRejected,
  ingestOutcome,
  planIngest
} from "./ChannelOrders.ts"
import type { OrderChange } from "./OrderChange.ts"
import type { OrderRepository } from "../orders/ports/OrderRepository.ts"
import type { ConnectionRepository } from "../connections/ports/ConnectionRepository.ts"
import type { TokenManager } from "../connections/TokenManager.ts"
import type { ChannelCursors } from "./ports/ChannelCursors.ts"

export type ChannelEvent =
  | { readonly kind: "order"; readonly order: ChannelOrder }
  | { readonly kind: "uninstalled"; readonly account: string }
  /** The channel deleted (trashed) an order: whatever stock we hold for it goes back. */
  | { readonly kind: "withdrawn"; readonly externalOrderId: string }
  | { readonly kind: "ignored" }

/** A provider's decoder: its topics and payloads into channel events, or why the payload is unusable. */
export type ChannelEventDecoder = (event: VerifiedEvent) => Result.Result<ChannelEvent, string>

const refused = (e: ChannelOrderRejected) => new WebhookApplyError({ detail: e.detail })

/** An order change: applied when it changed the order, ignored when there was nothing to change; refusals fail. */
const orderChange = (externalOrderId: string, change: OrderChange): Application<never, never> => ({
  _tag: "Change",
  change,
  outcome: (result) =>
    ingestOutcome(externalOrderId, change, result).pipe(
      Effect.map((outcome) => (outcome === "unchanged" ? ("ignored" as const) : ("applied" as const))),
      Effect.mapError(refused)
    )
})

export const channelApplier =
  (
    decode: ChannelEventDecoder
  ): Applier<PersistenceError, OrderRepository | ConnectionRepository | AuditLog | TokenManager | ChannelCursors> =>
  (source, event) =>
    Effect.gen(function* () {
      const decoded = decode(event)
      if (Result.isFailure(decoded)) return yield* new WebhookApplyError({ detail: decoded.failure })
      const channelEvent = decoded.success
      switch (channelEvent.kind) {
        case "ignored":
          return yield* run(Effect.succeed("ignored" as const))
        case "order": {
          const planned = planIngest(source.connectionId, channelEvent.order)
          if (Result.isFailure(planned)) return yield* Effect.fail(refused(planned.failure))
          return orderChange(channelEvent.order.externalOrderId, planned.success)
        }
        case "withdrawn":
          return orderChange(channelEvent.externalOrderId, cancelChange(channelEvent.externalOrderId, "ignore"))
        case "uninstalled":
          return yield* run(uninstall(source, event, channelEvent.account))
      }
    })

const uninstall = (source: WebhookSource, event: VerifiedEvent, account: string) =>
  Effect.gen(function* () {
    if (account !== source.externalAccount) {
      return yield* new WebhookApplyError({ detail: "uninstall names another account than this connection's" })
    }
    // A late (retried) notice of an uninstall that happened before the merchant installed again: not this one.
    if (event.occurredAt === undefined)
      return yield* new WebhookApplyError({ detail: "uninstall without the time it happened" })
    if (source.connectedAt !== undefined && DateTime.isLessThan(event.occurredAt, source.connectedAt))
      return "ignored" as const
    yield* markUninstalled(source.organizationId, ConnectionId.make(source.connectionId)).pipe(
      Effect.catchTag("ConnectionNotFound", () => Effect.fail(new WebhookApplyError({ detail: "connection vanished" })))
    )
    return "applied" as const
  })
