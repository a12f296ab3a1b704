/**
 * G2A webhook signatures, per the seed contract (seeds 000 T07 / 001 FR-006):
 *   signature = HMAC-SHA256(payload + timestamp + nonce + G2A_API_HASH)
 * The seed names no headers and no key; Tradeport's G2A contract (isolated here, documented in the README) is:
 * headers `X-G2A-Signature` (lower-case hex, as hexdigest gives it), `X-G2A-Timestamp` (unix seconds), `X-G2A-Nonce`, the event id in the signed
 * payload's `event_id` (a string or number; never taken from a header), and the HMAC keyed with G2A_API_HASH over `body ‖ timestamp ‖ nonce ‖ G2A_API_HASH`.
 * Nonces are single-use (replays are refused); timestamps must be within ±5 minutes.
 */
import { DateTime, Effect, Option, Redacted } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import {
  jsonBody,
  type SignaturePolicy,
  TIMESTAMP_TOLERANCE_SECONDS,
  WebhookRejected
} from "../../../core/webhooks/Webhook.ts"

export const sign = (apiHash: Redacted.Redacted<string>, body: Uint8Array, timestamp: string, nonce: string) =>
  createHmac("sha256", Redacted.value(apiHash))
    .update(body)
    .update(timestamp)
    .update(nonce)
    .update(Redacted.value(apiHash))
    .digest("hex")

const reject = (reason: WebhookRejected["reason"]) => Effect.fail(new WebhookRejected({ reason }))

export const policy: SignaturePolicy = {
  provider: "g2a",
  verify: (delivery, secrets) =>
    Effect.gen(function* () {
      const signature = delivery.headers["x-g2a-signature"] ?? ""
      const timestamp = delivery.headers["x-g2a-timestamp"] ?? ""
      const nonce = delivery.headers["x-g2a-nonce"] ?? ""
      if (!/^[0-9a-f]{64}$/.test(signature) || !/^\d{1,12}$/.test(timestamp) || !/^[\w-]{8,128}$/.test(nonce))
        return yield* reject("malformed")
      const given = Buffer.from(signature, "hex")
      const matches = secrets.some((secret) => {
        const expected = Buffer.from(sign(secret, delivery.rawBody, timestamp, nonce), "hex")
        return expected.length === given.length && timingSafeEqual(expected, given)
      })
      if (!matches) return yield* reject("signature")
      if (
        Math.abs(DateTime.toEpochMillis(delivery.receivedAt) / 1000 - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS
      ) {
        return yield* reject("stale")
      }
      const { payload, fields: record } = yield* jsonBody(delivery.rawBody)
      // The dedupe key comes from the signed body only (a header could be changed on a replay).
      const id = record["event_id"]
      const eventId = typeof id === "string" ? id : typeof id === "number" && Number.isFinite(id) ? String(id) : ""
      if (eventId.length === 0 || eventId.length > 255) return yield* reject("malformed")
      const topic = typeof record["type"] === "string" ? record["type"] : "order.status"
      return { eventId, topic, nonce: Option.some(nonce), payload }
    })
}
