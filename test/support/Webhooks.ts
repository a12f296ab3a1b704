/** Signing Standard Webhooks deliveries as a sender would, for tests and benchmarks. */
import { Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { sign } from "../../core/webhooks/StandardWebhooks.ts"

export const signedDelivery = (
  secret: string,
  payload: unknown,
  options: { readonly id?: string; readonly timestamp?: number } = {}
) => {
  const id = options.id ?? `msg_${randomUUID()}`
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  const body = Buffer.from(JSON.stringify(payload))
  return {
    id,
    timestamp,
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": `v1,${sign(Redacted.make(secret), id, timestamp, body)}`
    }
  }
}
