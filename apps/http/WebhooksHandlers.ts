/** Inbound webhook handler: raw bytes and headers in, the pipeline's outcome (or a precise refusal) out. */
import { DateTime, Effect, Option, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import * as G2AWebhook from "../../adapters/providers/g2a/webhook.ts"
import { applyG2AEvent, g2aAccountSource } from "../../core/marketplace/PurchaseEvents.ts"
import { applyOrderEvent } from "../../core/webhooks/OrderEvents.ts"
import type { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import type { ChannelCursors } from "../../core/channels/ports/ChannelCursors.ts"
import type { ConnectionRepository } from "../../core/connections/ports/ConnectionRepository.ts"
import type { TokenManager } from "../../core/connections/TokenManager.ts"
import type { PurchaseRepository } from "../../core/marketplace/ports/PurchaseRepository.ts"
import type { OrderRepository } from "../../core/orders/ports/OrderRepository.ts"
import type { PersistenceError } from "../../core/shared/errors.ts"
import { type Applier, appSecretSource, receive, receiveWith, type WebhookRetryLater } from "../../core/webhooks/Pipeline.ts"
import { channelApplier } from "../../core/channels/ChannelEvents.ts"
import { ShopifyClient } from "../../adapters/providers/shopify/ShopifyClient.ts"
import * as ShopifyWebhook from "../../adapters/providers/shopify/webhook.ts"
import * as Woo from "../../adapters/providers/woocommerce/WooContract.ts"
import type { WebhookRejected } from "../../core/webhooks/Webhook.ts"
import { G2AClient } from "../../adapters/providers/g2a/G2AClient.ts"
import * as StandardWebhooks from "../../core/webhooks/StandardWebhooks.ts"
import type { SignaturePolicy } from "../../core/webhooks/Webhook.ts"
import { Api } from "./Api.ts"
import { problems } from "./ErrorMapping.ts"
import { NotFound, ServiceUnavailable, Unauthorized } from "./Problems.ts"
import { Malformed } from "./WebhooksApi.ts"

/** Signature policies by provider (for per-connection secrets); provider integrations add theirs here. */
const policies: Readonly<Record<string, SignaturePolicy>> = {
  custom: StandardWebhooks.policy("custom"),
  g2a: G2AWebhook.policy,
  woocommerce: Woo.policy
}

const shopifyEvents = channelApplier(ShopifyWebhook.decodeEvent)
const wooEvents = channelApplier(Woo.decodeEvent)

/** What an event does, by provider: purchase updates for G2A, channel orders for shops, our order vocabulary otherwise. */
const applierFor = (provider: string): Applier<PersistenceError, OrderRepository | PurchaseRepository | AuditLog | ConnectionRepository | TokenManager | ChannelCursors> =>
  provider === "g2a" ? applyG2AEvent : provider === "shopify" ? shopifyEvents : provider === "woocommerce" ? wooEvents : applyOrderEvent

const rejection = {
  signature: () => new Unauthorized({ code: "invalid_signature", detail: "The signature does not match." }),
  stale: () => new Unauthorized({ code: "stale_timestamp", detail: "The delivery's timestamp is outside the accepted window." }),
  replayed: () => new Unauthorized({ code: "replayed_delivery", detail: "This nonce was already used." }),
  malformed: () => new Malformed({ code: "malformed_webhook" }),
  unknown_source: () => new NotFound({ code: "unknown_source" }),
  account_mismatch: () => new Unauthorized({ code: "account_mismatch", detail: "The delivery names another account than this connection's." })
} as const

/** The delivery as the pipeline sees it: the raw bytes (never a re-serialised body) and lower-cased headers. */
const deliveryOf = (provider: string, payload: Stream.Stream<Uint8Array, unknown>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const chunks = yield* Stream.runCollect(payload).pipe(Effect.mapError(() => new Malformed({ code: "unreadable_body" })))
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
    return { provider, rawBody: Buffer.concat(chunks), headers, receivedAt: yield* DateTime.now }
  })

const answers = {
  WebhookRejected: (e: WebhookRejected) => Effect.fail(rejection[e.reason]()),
  WebhookRetryLater: (e: WebhookRetryLater) => Effect.fail(new ServiceUnavailable({ code: "retry_later", retryAfterSeconds: 60, detail: e.detail })),
  PersistenceError: problems.PersistenceError
} as const

export const WebhooksHandlers = HttpApiBuilder.group(
  Api,
  "webhooks",
  Effect.fn(function*(handlers) {
    const g2a = yield* G2AClient
    const shopify = yield* ShopifyClient
    return handlers
      .handle("receive", ({ params, payload }) =>
        Effect.gen(function*() {
          if (params.provider === "shopify") {
            // Signed with the app's secret(s), not a per-connection one; the shop header is cross-checked.
            if (Option.isNone(shopify.api)) return yield* new NotFound({ code: "unknown_source", detail: "Shopify is not configured." })
            const settings = shopify.api.value.settings
            const lookup = yield* appSecretSource("shopify", params.connectionId, [settings.clientSecret, ...Option.toArray(settings.previousSecret)])
            return yield* receiveWith(ShopifyWebhook.policy, lookup, yield* deliveryOf("shopify", payload), shopifyEvents)
          }
          const policy = policies[params.provider]
          if (policy === undefined) return yield* new NotFound({ code: "unknown_source" })
          const delivery = yield* deliveryOf(params.provider, payload)
          // WooCommerce pings a new webhook's URL unsigned (`webhook_id=N`); it changes nothing, and a refusal
          // would make the store drop the webhook.
          if (params.provider === "woocommerce" && Woo.isPing(delivery.headers, delivery.rawBody)) return { outcome: "ignored" as const, eventId: "ping" }
          return yield* receive(policy, params.connectionId, delivery, applierFor(params.provider))
        }).pipe(Effect.catchTags(answers)))
      .handle("receiveG2A", ({ payload }) =>
        Effect.gen(function*() {
          if (Option.isNone(g2a.account)) return yield* new NotFound({ code: "unknown_source", detail: "G2A is not configured." })
          const delivery = yield* deliveryOf("g2a", payload)
          return yield* receiveWith(G2AWebhook.policy, g2aAccountSource(g2a.account.value), delivery, applyG2AEvent)
        }).pipe(Effect.catchTags(answers)))
  })
)
