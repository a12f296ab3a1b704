/**
 * The Standard Webhooks signature scheme (standardwebhooks.com), our default for custom sources:
 * `webhook-id`, `webhook-timestamp` (unix seconds), `webhook-signature` = space-separated `v1,<base64>` entries;
 * the signed content is `{id}.{timestamp}.{raw body}`, HMAC-SHA256 with the secret (`whsec_<base64>`). Every
 * candidate signature is compared in constant time against every configured secret; timestamps more than five
 * minutes away either way are stale. The payload is `{ type, timestamp, data }`.
 */
import { DateTime, Effect, Option, Redacted } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import {
  type InboundDelivery,
  jsonBody,
  type SignaturePolicy,
  TIMESTAMP_TOLERANCE_SECONDS,
  type VerifiedEvent,
  WebhookRejected
} from "./Webhook.ts"

const secretBytes = (secret: Redacted.Redacted<string>) => {
  const value = Redacted.value(secret)
  return Buffer.from(value.startsWith("whsec_") ? value.slice(6) : value, "base64")
}

export const sign = (secret: Redacted.Redacted<string>, id: string, timestamp: number, body: Uint8Array) =>
  createHmac("sha256", secretBytes(secret)).update(`${id}.${timestamp}.`).update(body).digest("base64")

const reject = (reason: WebhookRejected["reason"]) => Effect.fail(new WebhookRejected({ reason }))

export const policy = (provider = "standard"): SignaturePolicy => ({
  provider,
  verify: (delivery: InboundDelivery, secrets) =>
    Effect.gen(function* () {
      const id = delivery.headers["webhook-id"]
      const timestampHeader = delivery.headers["webhook-timestamp"]
      const signatures = (delivery.headers["webhook-signature"] ?? "")
        .split(" ")
        .filter((s) => s.startsWith("v1,"))
        .map((s) => s.slice(3))
      if (
        id === undefined ||
        id.length === 0 ||
        id.length > 255 ||
        timestampHeader === undefined ||
        !/^\d{1,12}$/.test(timestampHeader) ||
        signatures.length === 0
      ) {
        return yield* reject("malformed")
      }
      const timestamp = Number(timestampHeader)
      // Only canonical base64 (what re-encoding gives back): lenient decoding would let altered text verify.
      const candidates = signatures
        .map((s) => Buffer.from(s, "base64"))
        .filter((b, i) => b.toString("base64") === signatures[i])
      const matches = secrets.some((secret) => {
        const expected = Buffer.from(sign(secret, id, timestamp, delivery.rawBody), "base64")
        return candidates.some((c) => c.length === expected.length && timingSafeEqual(c, expected))
      })
      if (!matches) return yield* reject("signature")
      const skew = Math.abs(DateTime.toEpochMillis(delivery.receivedAt) / 1000 - timestamp)
      if (skew > TIMESTAMP_TOLERANCE_SECONDS) return yield* reject("stale")
      const { payload, fields } = yield* jsonBody(delivery.rawBody)
      const type = typeof fields["type"] === "string" ? fields["type"] : undefined
      if (type === undefined) return yield* reject("malformed")
      const event: VerifiedEvent = { eventId: id, topic: type, nonce: Option.none(), payload }
      return event
    })
})
