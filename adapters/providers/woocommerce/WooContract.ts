/**
 * WooCommerce's wire contract, pure: the store URL a user types (normalised; the SSRF checks are the
 * EgressGuard's), the `/wc-auth/v1/authorize` redirect, the keys the store POSTs back, REST v3 orders and their
 * mapping into channel orders, and webhook signatures (`X-WC-Webhook-Signature` = base64(HMAC-SHA256(raw body,
 * webhook secret))). No I/O.
 */
import { DateTime, Effect, Option, Result, Schema } from "effect"
import type { ChannelOrder } from "../../../core/channels/ChannelOrders.ts"
import type { ChannelEventDecoder } from "../../../core/channels/ChannelEvents.ts"
import { OrderLine, Sku } from "../../../core/orders/Order.ts"
import { bodyHmacMatches, jsonBody, type SignaturePolicy, WebhookRejected } from "../../../core/webhooks/Webhook.ts"

/**
 * `https://shop.example.com/` → `https://shop.example.com`; a sub-directory install keeps its path. Refuses what
 * is not an absolute http(s) URL, or carries credentials, a query or a fragment.
 */
/** What a WooCommerce connection stores (sealed): the store's REST API keys and our webhook secret. */
export const WooCredentials = Schema.Struct({
  consumerKey: Schema.String,
  consumerSecret: Schema.String,
  keyId: Schema.String,
  permissions: Schema.String,
  webhookSecret: Schema.String
})

export const normalizeStoreUrl = (raw: string | undefined): Option.Option<string> => {
  const text = (raw ?? "").trim()
  if (text.length === 0 || text.length > 255) return Option.none()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Option.none()
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.username !== "" ||
    url.password !== "" ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    return Option.none()
  }
  return Option.some(`${url.origin}${url.pathname.replace(/\/+$/, "")}`)
}

export const authorizeUrl = (
  store: string,
  params: { readonly appName: string; readonly state: string; readonly returnUrl: string; readonly callbackUrl: string }
) => {
  const query = new URLSearchParams({
    app_name: params.appName,
    scope: "read_write",
    user_id: params.state,
    return_url: params.returnUrl,
    callback_url: params.callbackUrl
  })
  return `${store}/wc-auth/v1/authorize?${query.toString()}`
}

/** What the store POSTs to our callback (unsigned: `user_id` must be a live single-use state). */
export const CallbackKeys = Schema.Struct({
  key_id: Schema.Union([Schema.Int, Schema.String]),
  user_id: Schema.Union([Schema.String, Schema.Int]),
  consumer_key: Schema.String.pipe(Schema.check(Schema.isPattern(/^ck_[A-Za-z0-9]{20,64}$/))),
  consumer_secret: Schema.String.pipe(Schema.check(Schema.isPattern(/^cs_[A-Za-z0-9]{20,64}$/))),
  key_permissions: Schema.String
})

/** Decodes the callback body, tolerating fields WooCommerce may add later (a refusal would delete the key). */
export const decodeCallback = Schema.decodeUnknownEffect(CallbackKeys)

export const WooOrder = Schema.Struct({
  id: Schema.Int,
  number: Schema.optional(Schema.String),
  status: Schema.String,
  currency: Schema.String,
  date_modified_gmt: Schema.String,
  line_items: Schema.Array(
    Schema.Struct({
      sku: Schema.optional(Schema.NullOr(Schema.String)),
      quantity: Schema.Int,
      price: Schema.optional(Schema.Union([Schema.Number, Schema.String]))
    })
  )
})

/**
 * Statuses of orders that are sold and still to ship (hold stock), shipped (`completed`), and no longer sold.
 * Others (pending payment, drafts) wait until they change.
 */
const SOLD = new Set(["processing", "on-hold"])
const SHIPPED = new Set(["completed"])
const UNSOLD = new Set(["cancelled", "refunded", "failed", "trash"])

const cents = (price: number | string | undefined) => {
  const value = typeof price === "number" ? price : Number(price ?? 0)
  return Number.isFinite(value) && value >= 0 ? Math.round(value * 100) : 0
}

/** None for an order not sold yet (pending payment, draft): it is read again once it changes. */
export const toChannelOrder = (order: typeof WooOrder.Type): Result.Result<Option.Option<ChannelOrder>, string> => {
  // WooCommerce's *_gmt dates carry no zone designator.
  const modified = DateTime.make(
    /[zZ]|[+-]\d\d:\d\d$/.test(order.date_modified_gmt) ? order.date_modified_gmt : `${order.date_modified_gmt}Z`
  )
  if (Option.isNone(modified)) return Result.fail(`order ${order.id}: unreadable date_modified_gmt`)
  if (!SOLD.has(order.status) && !SHIPPED.has(order.status) && !UNSOLD.has(order.status))
    return Result.succeed(Option.none())
  const lines: Array<OrderLine> = []
  for (const line of order.line_items) {
    const sku = Schema.decodeUnknownOption(Sku)(line.sku)
    if (Option.isNone(sku) || line.quantity <= 0) continue
    lines.push(new OrderLine({ sku: sku.value, quantity: line.quantity, unitPriceCents: cents(line.price) }))
  }
  return Result.succeed(
    Option.some({
      externalOrderId: String(order.id),
      name: `#${order.number ?? order.id}`,
      lines,
      currency: /^[A-Z]{3}$/.test(order.currency) ? order.currency : "USD",
      cancelled: UNSOLD.has(order.status),
      fulfilled: SHIPPED.has(order.status),
      updatedAt: DateTime.toUtc(modified.value)
    })
  )
}

const reject = (reason: WebhookRejected["reason"]) => Effect.fail(new WebhookRejected({ reason }))

/** WooCommerce's creation ping: `webhook_id=N`, form-encoded and unsigned. It changes nothing; answering 200 keeps the webhook. */
export const isPing = (headers: Readonly<Record<string, string | undefined>>, body: Uint8Array) =>
  headers["x-wc-webhook-signature"] === undefined && /^webhook_id=\d{1,20}$/.test(Buffer.from(body).toString("utf8"))

export const policy: SignaturePolicy = {
  provider: "woocommerce",
  verify: (delivery, secrets) =>
    Effect.gen(function* () {
      const signature = delivery.headers["x-wc-webhook-signature"] ?? ""
      const topic = delivery.headers["x-wc-webhook-topic"] ?? ""
      if (signature === "" || !/^[a-z_]+\.[a-z_]+$/.test(topic)) return yield* reject("malformed")
      if (!bodyHmacMatches(delivery.rawBody, signature, secrets)) return yield* reject("signature")
      const { payload, fields: record } = yield* jsonBody(delivery.rawBody)
      // Retries of one change carry new delivery ids: the dedupe key is the resource and its signed modification time.
      const id = record["id"]
      const modified = record["date_modified_gmt"]
      const eventId =
        (typeof id === "number" || typeof id === "string") && typeof modified === "string"
          ? `${topic.split(".")[0]}:${id}:${modified}`.slice(0, 255)
          : (delivery.headers["x-wc-webhook-delivery-id"] ?? "")
      if (eventId === "") return yield* reject("malformed")
      return { eventId, topic, nonce: Option.none(), payload }
    })
}

const Deleted = Schema.Struct({ id: Schema.Int })

export const decodeEvent: ChannelEventDecoder = (event) => {
  if (!event.topic.startsWith("order.")) return Result.succeed({ kind: "ignored" })
  if (event.topic === "order.deleted") {
    const deleted = Schema.decodeUnknownOption(Deleted)(event.payload)
    return Option.isNone(deleted)
      ? Result.fail("invalid order.deleted payload")
      : Result.succeed({ kind: "withdrawn", externalOrderId: String(deleted.value.id) })
  }
  const order = Schema.decodeUnknownOption(WooOrder)(event.payload)
  if (Option.isNone(order)) return Result.fail(`invalid ${event.topic} payload`)
  return Result.map(
    toChannelOrder(order.value),
    Option.match({
      onNone: () => ({ kind: "ignored" as const }),
      onSome: (o) => ({ kind: "order" as const, order: o })
    })
  )
}
