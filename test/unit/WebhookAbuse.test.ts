/**
 * ≥ 10,000 mutated webhook deliveries across every signature policy we accept (Standard Webhooks for custom
 * sources, G2A, Shopify, WooCommerce): a genuine delivery verifies; with one byte of the body, the signature, the
 * timestamp or the secret changed, none does.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Exit, Redacted } from "effect"
import fc from "fast-check"
import { createHmac } from "node:crypto"
import * as G2AWebhook from "../../adapters/providers/g2a/webhook.ts"
import * as ShopifyWebhook from "../../adapters/providers/shopify/webhook.ts"
import * as Woo from "../../adapters/providers/woocommerce/WooContract.ts"
import * as StandardWebhooks from "../../core/webhooks/StandardWebhooks.ts"
import type { SignaturePolicy } from "../../core/webhooks/Webhook.ts"

const SECRET = `whsec_${Buffer.alloc(24, 3).toString("base64")}`
const now = Math.floor(Date.now() / 1000)
const body = JSON.stringify({
  event_id: "evt-1",
  type: "order.created",
  id: 7,
  date_modified_gmt: "2026-11-22T10:00:00",
  data: { externalOrderId: "A1", lines: [{ sku: "X", quantity: 1 }] }
})

interface Genuine {
  readonly policy: SignaturePolicy
  readonly headers: Record<string, string>
  /** Headers that carry the signature or the signed timestamp/nonce: each is mutated. */
  readonly signed: ReadonlyArray<string>
}

const genuine: ReadonlyArray<Genuine> = [
  {
    policy: StandardWebhooks.policy("custom"),
    headers: {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(now),
      "webhook-signature": `v1,${StandardWebhooks.sign(Redacted.make(SECRET), "msg_1", now, Buffer.from(body))}`
    },
    signed: ["webhook-id", "webhook-timestamp", "webhook-signature"]
  },
  {
    policy: G2AWebhook.policy,
    headers: {
      "x-g2a-signature": G2AWebhook.sign(Redacted.make(SECRET), Buffer.from(body), String(now), "nonce-12345678"),
      "x-g2a-timestamp": String(now),
      "x-g2a-nonce": "nonce-12345678"
    },
    signed: ["x-g2a-signature", "x-g2a-timestamp", "x-g2a-nonce"]
  },
  {
    policy: ShopifyWebhook.policy,
    headers: {
      "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
      "x-shopify-webhook-id": "wh-1",
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": "a.myshopify.com"
    },
    signed: ["x-shopify-hmac-sha256"]
  },
  {
    policy: Woo.policy,
    headers: {
      "x-wc-webhook-signature": createHmac("sha256", SECRET).update(body).digest("base64"),
      "x-wc-webhook-topic": "order.created"
    },
    signed: ["x-wc-webhook-signature"]
  }
]

const verify = (policy: SignaturePolicy, raw: Buffer, headers: Record<string, string>, secret = SECRET) =>
  policy
    .verify({ provider: policy.provider, rawBody: raw, headers, receivedAt: DateTime.nowUnsafe() }, [
      Redacted.make(secret)
    ])
    .pipe(Effect.exit)

/** Changes one character of a header value into another printable one (never into itself). */
const mutateText = (value: string, position: number, delta: number) => {
  const i = position % Math.max(1, value.length)
  const code = value.charCodeAt(i)
  const next = 33 + ((code - 33 + 1 + (delta % 93)) % 94)
  return `${value.slice(0, i)}${String.fromCharCode(next === code ? 33 + ((next - 33 + 1) % 94) : next)}${value.slice(i + 1)}`
}

describe("webhook signatures under mutation", () => {
  it.effect("0 of ≥ 10,000 mutated deliveries accepted across the four policies", () =>
    Effect.gen(function* () {
      let tried = 0
      const accepted: Array<string> = []
      for (const g of genuine) {
        assert.isTrue(
          Exit.isSuccess(yield* verify(g.policy, Buffer.from(body), g.headers)),
          `${g.policy.provider}: the genuine delivery verifies`
        )
        const samples = fc.sample(
          fc.tuple(fc.nat({ max: 3 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 10 })),
          2600
        )
        for (const [kind, position, delta, pick] of samples) {
          let raw = Buffer.from(body)
          let headers = { ...g.headers }
          let secret = SECRET
          if (kind === 0) {
            raw = Buffer.from(body)
            raw[position % raw.length] = (raw[position % raw.length]! + delta) % 256
          } else if (kind === 1) {
            const name = g.signed[pick % g.signed.length]!
            headers = { ...headers, [name]: mutateText(headers[name]!, position, delta) }
          } else if (kind === 2) {
            secret = mutateText(SECRET, position, delta)
          } else {
            raw = Buffer.concat([raw, Buffer.from(" ")])
          }
          tried++
          if (Exit.isSuccess(yield* verify(g.policy, raw, headers, secret)))
            accepted.push(`${g.policy.provider} ${JSON.stringify(headers)}`)
        }
      }
      assert.isAtLeast(tried, 10_000)
      assert.deepStrictEqual(accepted.slice(0, 5), [], `${accepted.length} mutated deliveries accepted`)
    })
  )
})
