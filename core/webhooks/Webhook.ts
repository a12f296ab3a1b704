/**
 * Inbound webhooks, provider-neutral. A SignaturePolicy says how one provider signs (which bytes, which header,
 * which encoding, timestamp window, nonce); the pipeline verifies, deduplicates and applies every delivery
 * exactly once.
 */
import type { DateTime, Effect, Option, Redacted } from "effect"
import { Schema } from "effect"

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
}

export const RejectionReason = Schema.Literals(["signature", "stale", "replayed", "malformed", "unknown_source"])
export type RejectionReason = typeof RejectionReason.Type

export class WebhookRejected extends Schema.TaggedError<WebhookRejected>()("WebhookRejected", {
  reason: RejectionReason
}) {}

export interface SignaturePolicy {
  readonly provider: string
  /** Verifies against any of the secrets (several while a secret rotates). */
  readonly verify: (delivery: InboundDelivery, secrets: ReadonlyArray<Redacted.Redacted<string>>) => Effect.Effect<VerifiedEvent, WebhookRejected>
}

export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
