/**
 * Receiving a webhook, for any provider: the provider's registered webhook capability says how its deliveries are
 * signed (policy), whose secrets verify them (the connection's own, or the app's, cross-checked against the account
 * the sender claims), what an event does (applier), and which unsigned pings to acknowledge without effect. The
 * pipeline (Pipeline.ts) then verifies, deduplicates and applies exactly once.
 */
import { Effect, Option, type Redacted } from "effect"
import type { AuditLog } from "../audit/ports/AuditLog.ts"
import type { ChannelCursors } from "../channels/ports/ChannelCursors.ts"
import type { ConnectionRepository } from "../connections/ports/ConnectionRepository.ts"
import type { TokenManager } from "../connections/TokenManager.ts"
import type { PurchaseRepository } from "../marketplace/ports/PurchaseRepository.ts"
import type { OrderRepository } from "../orders/ports/OrderRepository.ts"
import { ProviderCatalogue } from "../providers/ports/ProviderCatalogue.ts"
import type { PersistenceError } from "../shared/errors.ts"
import { type Applier, appSecretSource, receive, receiveWith, type SourceLookup } from "./Pipeline.ts"
import { type InboundDelivery, type SignaturePolicy, WebhookRejected } from "./Webhook.ts"

/** What appliers may use: the domain's repositories. */
export type WebhookServices =
  | OrderRepository
  | PurchaseRepository
  | AuditLog
  | ConnectionRepository
  | TokenManager
  | ChannelCursors

export interface WebhookAdapter {
  readonly policy: SignaturePolicy
  readonly secrets:
    | { readonly _tag: "Connection" }
    | { readonly _tag: "App"; readonly secrets: ReadonlyArray<Redacted.Redacted<string>> }
  readonly applier: Applier<PersistenceError, WebhookServices>
  /** Unsigned deliveries that change nothing and must be acknowledged (WooCommerce's ping of a new webhook). */
  readonly isPing?: ((delivery: InboundDelivery) => boolean) | undefined
  /** Deliveries to the deployment's own account (`/webhooks/{provider}`), for providers that have one. */
  readonly account?: SourceLookup<PurchaseRepository> | undefined
}

const webhooksOf = (provider: string) =>
  Effect.gen(function* () {
    const hooks = (yield* ProviderCatalogue).find(provider).pipe(Option.flatMapNullishOr((p) => p.webhooks))
    if (Option.isNone(hooks)) return yield* new WebhookRejected({ reason: "unknown_source" })
    return hooks.value
  })

/** A delivery to `/webhooks/{provider}/{connectionId}`. */
export const atConnection = Effect.fn("Webhooks.atConnection")(function* (
  connectionId: string,
  delivery: InboundDelivery
) {
  const hooks = yield* webhooksOf(delivery.provider)
  if (hooks.isPing?.(delivery) === true) return { outcome: "ignored" as const, eventId: "ping" }
  if (hooks.secrets._tag === "App") {
    const lookup = yield* appSecretSource(delivery.provider, connectionId, hooks.secrets.secrets)
    return yield* receiveWith(hooks.policy, lookup, delivery, hooks.applier)
  }
  return yield* receive(hooks.policy, connectionId, delivery, hooks.applier)
})

/** A delivery to the deployment's own account at the provider (`/webhooks/{provider}`). */
export const atAccount = Effect.fn("Webhooks.atAccount")(function* (delivery: InboundDelivery) {
  const hooks = yield* webhooksOf(delivery.provider)
  if (hooks.account === undefined) return yield* new WebhookRejected({ reason: "unknown_source" })
  return yield* receiveWith(hooks.policy, hooks.account, delivery, hooks.applier)
})
