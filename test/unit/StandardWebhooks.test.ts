/** The Standard Webhooks policy against thousands of mutated deliveries: zero false accepts. */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Exit, Redacted } from "effect"
import fc from "fast-check"
import * as StandardWebhooks from "../../core/webhooks/StandardWebhooks.ts"
import { signedDelivery } from "../support/Webhooks.ts"

const secret = `whsec_${Buffer.alloc(24, 7).toString("base64")}`
const policy = StandardWebhooks.policy("custom")
const verify = (body: Uint8Array, headers: Record<string, string>, secrets = [Redacted.make(secret)]) =>
  Effect.runSyncExit(
    policy.verify({ provider: "custom", rawBody: body, headers, receivedAt: DateTime.nowUnsafe() }, secrets)
  )

describe("Standard Webhooks signature policy", () => {
  it("accepts a genuine delivery, including during a secret rotation", () => {
    const delivery = signedDelivery(secret, { type: "order.created", data: {} })
    assert.isTrue(Exit.isSuccess(verify(delivery.body, delivery.headers)))
    const rotated = [Redacted.make(`whsec_${Buffer.alloc(24, 9).toString("base64")}`), Redacted.make(secret)]
    assert.isTrue(Exit.isSuccess(verify(delivery.body, delivery.headers, rotated)))
  })

  it("refuses every one of ≥ 2000 mutated deliveries (body, id, timestamp, signature)", () => {
    const base = signedDelivery(secret, {
      type: "order.created",
      data: { externalOrderId: "E1", lines: [{ sku: "A", quantity: 1 }] }
    })
    let checked = 0
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant("body" as const), index: fc.nat(), byte: fc.integer({ min: 1, max: 255 }) }),
          fc.record({ kind: fc.constant("id" as const), suffix: fc.string({ minLength: 1, maxLength: 5 }) }),
          fc.record({
            kind: fc.constant("timestamp" as const),
            delta: fc.integer({ min: -1000, max: 1000 }).filter((d) => d !== 0)
          }),
          fc.record({
            kind: fc.constant("signature" as const),
            index: fc.nat(),
            char: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
          })
        ),
        (mutation) => {
          const body = Buffer.from(base.body)
          const headers = { ...base.headers }
          switch (mutation.kind) {
            case "body": {
              const i = mutation.index % body.length
              body[i] = body[i]! ^ mutation.byte
              break
            }
            case "id":
              headers["webhook-id"] = `${headers["webhook-id"]}${mutation.suffix}`
              break
            case "timestamp":
              headers["webhook-timestamp"] = String(base.timestamp + mutation.delta)
              break
            case "signature": {
              const sig = headers["webhook-signature"]!.slice(3)
              const i = mutation.index % (sig.length - 2)
              if (sig[i] === mutation.char) return
              headers["webhook-signature"] = `v1,${sig.slice(0, i)}${mutation.char}${sig.slice(i + 1)}`
              break
            }
          }
          checked++
          assert.isTrue(Exit.isFailure(verify(body, headers)), `accepted a ${mutation.kind} mutation`)
        }
      ),
      { numRuns: 2500 }
    )
    assert.isAtLeast(checked, 2000)
  })
})
