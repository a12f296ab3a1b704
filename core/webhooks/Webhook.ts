/**
 * Inbound webhooks, provider-neutral. A SignaturePolicy says how one provider signs (which bytes, which header,
 * which encoding, timestamp window, nonce); the pipeline verifies, deduplicates and applies every delivery
 * exactly once.
 */
import type { DateTime, Option } from "effect"
import { Effect, Redacted, Schema } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"

export interface InboundDelivery {
  readonly provider: string
  readonly rawBody: Uint8Array
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly receivedAt: DateTime.Utc
}

export interface VerifiedEvent {
  /** The provider's delivery id: the dedupe key. */
  readonly eventId: string
  readonly topic: string
  /** A single-use value some providers sign besides the id: seen twice means replayed. */
  readonly nonce: Option.Option<string>
  readonly payload: unknown
  /**
   * The account the sender claims to speak for, from an UNSIGNED header (Shopify's shop domain): never trusted,
   * only cross-checked against the connection the delivery is for.
   */
  readonly claimedAccount?: string | undefined
  /** When the provider says the event happened (Shopify's X-Shopify-Triggered-At), if it says. */
  readonly occurredAt?: DateTime.Utc | undefined
}

export const RejectionReason = Schema.Literals([
  "signature",
  "stale",
  "replayed",
  "malformed",
  "unknown_source",
  "account_mismatch"
])
export type RejectionReason = typeof RejectionReason.Type

export class WebhookRejected extends Schema.TaggedError<WebhookRejected>()("WebhookRejected", {
  reason: RejectionReason
}) {}

export interface SignaturePolicy {
  readonly provider: string
  /** Verifies against any of the secrets (several while a secret rotates). */
  readonly verify: (
    delivery: InboundDelivery,
    secrets: ReadonlyArray<Redacted.Redacted<string>>
  ) => Effect.Effect<VerifiedEvent, WebhookRejected>
}

export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60

/**
 * base64(HMAC-SHA256(raw body, secret)) — the scheme of Shopify and WooCommerce — checked against any of the
 * secrets in constant time. The raw bytes as received, never a re-serialised body.
 */
export const bodyHmacMatches = (
  rawBody: Uint8Array,
  signatureBase64: string,
  secrets: ReadonlyArray<Redacted.Redacted<string>>
) => {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(signatureBase64)) return false
  const given = Buffer.from(signatureBase64, "base64")
  // Canonical form only: the last character's unused bits could otherwise vary and still decode the same.
  if (given.toString("base64") !== signatureBase64) return false
  return secrets.some((secret) => {
    const expected = createHmac("sha256", Redacted.value(secret)).update(rawBody).digest()
    return expected.length === given.length && timingSafeEqual(expected, given)
  })
}

/** A delivery's body parsed as JSON (`malformed` otherwise), with its top-level fields when it is an object. */
export const jsonBody = (rawBody: Uint8Array) =>
  Effect.try({
    try: (): unknown => JSON.parse(Buffer.from(rawBody).toString("utf8")),
    catch: () => new WebhookRejected({ reason: "malformed" })
  }).pipe(
    Effect.map((payload) => ({
      payload,
      fields:
        typeof payload === "object" && payload !== null && !Array.isArray(payload)
          ? (payload as Record<string, unknown>)
          : {}
    }))
  )
