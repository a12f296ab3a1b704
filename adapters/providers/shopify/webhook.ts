/**
 * Shopify webhook signatures and payloads: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(raw body, app secret)),
 * checked against the current and the previous app secret; the dedupe key is `X-Shopify-Webhook-Id`; a delivery
 * triggered more than a day ago (Shopify retries for 4 h) or in the future is stale. `X-Shopify-Shop-Domain` is
 * NOT signed: it is passed on as the claimed account, for the pipeline to cross-check against the connection.
 * Topics are unsigned too, so what a delivery does is read from its signed payload (`decodeEvent`).
 */
import { DateTime, Effect, Option, Result, Schema } from "effect"
import type { ChannelEventDecoder } from "../../../core/channels/ChannelEvents.ts"
import { bodyHmacMatches, jsonBody, type SignaturePolicy, WebhookRejected } from "../../../core/webhooks/Webhook.ts"
import { orderFromWebhook, WebhookOrder, WebhookShop } from "./ShopifyContract.ts"

const MAX_AGE_SECONDS = 24 * 3600
const MAX_AHEAD_SECONDS = 5 * 60

const reject = (reason: WebhookRejected["reason"]) => Effect.fail(new WebhookRejected({ reason }))

export const policy: SignaturePolicy = {
  provider: "shopify",
  verify: (delivery, secrets) =>
    Effect.gen(function* () {
      const signature = delivery.headers["x-shopify-hmac-sha256"] ?? ""
      const id = delivery.headers["x-shopify-webhook-id"] ?? ""
      const topic = delivery.headers["x-shopify-topic"] ?? ""
      const shop = delivery.headers["x-shopify-shop-domain"] ?? ""
      if (signature === "" || !/^[\w-]{1,128}$/.test(id) || !/^[a-z_]+\/[a-z_]+$/.test(topic) || shop === "")
        return yield* reject("malformed")
      if (!bodyHmacMatches(delivery.rawBody, signature, secrets)) return yield* reject("signature")
      const triggered = delivery.headers["x-shopify-triggered-at"]
      let occurredAt: DateTime.Utc | undefined
      if (triggered !== undefined) {
        const at = DateTime.make(triggered)
        if (Option.isNone(at)) return yield* reject("malformed")
        const age = (DateTime.toEpochMillis(delivery.receivedAt) - DateTime.toEpochMillis(at.value)) / 1000
        if (age > MAX_AGE_SECONDS || age < -MAX_AHEAD_SECONDS) return yield* reject("stale")
        occurredAt = DateTime.toUtc(at.value)
      }
      const { payload } = yield* jsonBody(delivery.rawBody)
      return {
        eventId: id,
        topic,
        nonce: Option.none(),
        payload,
        claimedAccount: shop.trim().toLowerCase(),
        occurredAt
      }
    })
}

const ORDER_TOPICS = new Set(["orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/edited"])

export const decodeEvent: ChannelEventDecoder = (event) => {
  if (event.topic === "app/uninstalled") {
    const shop = Schema.decodeUnknownOption(WebhookShop)(event.payload)
    return Option.isNone(shop)
      ? Result.fail("invalid app/uninstalled payload")
      : Result.succeed({ kind: "uninstalled", account: shop.value.myshopify_domain.toLowerCase() })
  }
  if (!ORDER_TOPICS.has(event.topic)) return Result.succeed({ kind: "ignored" })
  const order = Schema.decodeUnknownOption(WebhookOrder)(event.payload)
  if (Option.isNone(order)) return Result.fail(`invalid ${event.topic} payload`)
  return Result.map(orderFromWebhook(order.value), (o) => ({ kind: "order" as const, order: o }))
}
