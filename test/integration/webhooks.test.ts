/**
 * The webhook pipeline end to end over HTTP on real Postgres and Redis, with a custom source signing by the
 * Standard Webhooks scheme: applied once under 100 concurrent duplicates, every forgery refused precisely,
 * authentic-but-impossible events recorded, cancellations releasing stock.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as G2AWebhook from "../../adapters/providers/g2a/webhook.ts"
import * as Connections from "../../core/connections/Connections.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { HttpClient, HttpClientRequest } from "effect/http"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"
import { signedDelivery } from "../support/Webhooks.ts"

const deliver = (path: string, delivery: { readonly body: Uint8Array; readonly headers: Record<string, string> }) =>
  HttpClient.execute(
    HttpClientRequest.post(path).pipe(
      HttpClientRequest.setHeaders(delivery.headers),
      HttpClientRequest.bodyUint8Array(delivery.body, "application/json")
    )
  )

const setup = (email: string) =>
  Effect.gen(function* () {
    const owner = yield* signUpAndLogin(email)
    yield* call("PUT", "/api/v1/products", {
      token: owner.accessToken,
      body: { products: [{ sku: "WH-1", name: "Webhook item" }] }
    })
    yield* call("POST", "/api/v1/inventory/bulk", { token: owner.accessToken, body: [{ sku: "WH-1", quantity: 20 }] })
    const source = yield* call("POST", "/api/v1/connections/custom", {
      token: owner.accessToken,
      body: { name: "Storefront" }
    }).pipe(Effect.flatMap(json))
    const url = new URL(String(source["webhookUrl"]))
    return { owner, path: url.pathname, secret: String(source["webhookSecret"]) }
  })

const created = (externalOrderId: string, quantity = 1) => ({
  type: "order.created",
  timestamp: new Date().toISOString(),
  data: { externalOrderId, lines: [{ sku: "WH-1", quantity }] }
})

const g2aDelivery = (apiHash: string, eventId: string, nonce: string, timestamp = Math.floor(Date.now() / 1000)) => {
  const body = Buffer.from(
    JSON.stringify({ event_id: eventId, type: "order.status", data: { orderId: "G2A-1", status: "complete" } })
  )
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-g2a-timestamp": String(timestamp),
      "x-g2a-nonce": nonce,
      "x-g2a-signature": G2AWebhook.sign(Redacted.make(apiHash), body, String(timestamp), nonce)
    }
  }
}

describe("webhook pipeline", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 120_000 })("custom source, Standard Webhooks", (it) => {
    it.effect("the same delivery 100 times concurrently changes state once", () =>
      Effect.gen(function* () {
        const { owner, path, secret } = yield* setup("wh-dup@example.com")
        assert.match(secret, /^whsec_/)
        const delivery = signedDelivery(secret, created("EXT-1", 2))
        const outcomes = yield* Effect.forEach(
          Array.from({ length: 100 }, (_, i) => i),
          () =>
            deliver(path, delivery).pipe(
              Effect.flatMap((r) => json(r).pipe(Effect.map((b) => `${r.status}:${b["outcome"]}`)))
            ),
          { concurrency: 25 }
        )
        assert.strictEqual(outcomes.filter((o) => o === "200:applied").length, 1, outcomes.slice(0, 5).join(","))
        assert.strictEqual(outcomes.filter((o) => o === "200:duplicate").length, 99)
        const orders = yield* call("GET", "/api/v1/orders", { token: owner.accessToken }).pipe(Effect.flatMap(json))
        assert.strictEqual((orders["orders"] as Array<unknown>).length, 1)
        const level = yield* call("GET", "/api/v1/inventory?sku=WH-1", { token: owner.accessToken }).pipe(
          Effect.flatMap(json)
        )
        assert.strictEqual((level["levels"] as Array<Record<string, number>>)[0]?.reserved, 2)
        // Another delivery (new id) of the same external order: the order exists once.
        const redelivered = yield* deliver(path, signedDelivery(secret, created("EXT-1", 2))).pipe(Effect.flatMap(json))
        assert.strictEqual(redelivered["outcome"], "applied")
        const after = yield* call("GET", "/api/v1/orders", { token: owner.accessToken }).pipe(Effect.flatMap(json))
        assert.strictEqual((after["orders"] as Array<unknown>).length, 1)
      })
    )

    it.effect(
      "tampered body, wrong secret, a 6-minute-old timestamp and a malformed delivery are refused precisely",
      () =>
        Effect.gen(function* () {
          const { owner, path, secret } = yield* setup("wh-forge@example.com")
          const good = signedDelivery(secret, created("EXT-F"))
          const tampered = { ...good, body: Buffer.from(good.body.toString().replace('"quantity":1', '"quantity":9')) }
          const wrongSecret = signedDelivery(`whsec_${Buffer.alloc(24, 1).toString("base64")}`, created("EXT-F"))
          const stale = signedDelivery(secret, created("EXT-F"), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })
          const future = signedDelivery(secret, created("EXT-F"), { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 })
          const unsigned = {
            body: good.body,
            headers: { "content-type": "application/json", "webhook-id": "x", "webhook-timestamp": "1" }
          }
          const expectations: Array<
            [string, { readonly body: Uint8Array; readonly headers: Record<string, string> }, number, string]
          > = [
            ["tampered body", tampered, 401, "invalid_signature"],
            ["wrong secret", wrongSecret, 401, "invalid_signature"],
            ["6 minutes old", stale, 401, "stale_timestamp"],
            ["6 minutes ahead", future, 401, "stale_timestamp"],
            ["no signature", unsigned, 400, "malformed_webhook"]
          ]
          for (const [label, delivery, status, code] of expectations) {
            const response = yield* deliver(path, delivery)
            assert.strictEqual(response.status, status, label)
            assert.strictEqual((yield* json(response))["code"], code, label)
          }
          // An unknown connection answers exactly as a real one does to the same forgery (whoever lacks the secret
          // cannot tell which connection ids exist).
          const forger = `whsec_${Buffer.alloc(24, 2).toString("base64")}`
          const forgeries = [
            signedDelivery(forger, created("EXT-F")),
            signedDelivery(forger, created("EXT-F"), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }),
            unsigned
          ]
          for (const forgery of forgeries) {
            const real = yield* deliver(path, forgery)
            const nobody = yield* deliver("/webhooks/custom/00000000-0000-4000-8000-000000000000", forgery)
            assert.strictEqual(nobody.status, real.status)
            assert.strictEqual((yield* json(nobody))["code"], (yield* json(real))["code"])
          }
          const orders = yield* call("GET", "/api/v1/orders", { token: owner.accessToken }).pipe(Effect.flatMap(json))
          assert.deepStrictEqual(orders["orders"], [], "nothing was applied")
          assert.strictEqual((yield* deliver(path, good)).status, 200, "the genuine delivery still works")
        })
    )

    it.effect("G2A signatures: a replayed nonce is refused even with a new event id; stale and tampered ones too", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("wh-g2a@example.com")
        const apiHash = "g2a-api-hash-for-tests-0123456789"
        const connection = yield* Connections.connect({
          organizationId: OrgId.make(owner.organizationId),
          actorUserId: undefined,
          provider: "g2a",
          externalAccount: "g2a-merchant",
          displayName: "G2A",
          credentials: Redacted.make({ webhookSecret: apiHash }),
          tokenExpiresAt: undefined
        })
        const path = `/webhooks/g2a/${connection.id}`
        const first = yield* deliver(path, g2aDelivery(apiHash, "evt-1", "nonce-aaaaaaaa"))
        assert.strictEqual(first.status, 200)
        const replay = yield* deliver(path, g2aDelivery(apiHash, "evt-2", "nonce-aaaaaaaa"))
        assert.strictEqual(replay.status, 401)
        assert.strictEqual((yield* json(replay))["code"], "replayed_delivery")
        const stale = yield* deliver(
          path,
          g2aDelivery(apiHash, "evt-3", "nonce-bbbbbbbb", Math.floor(Date.now() / 1000) - 6 * 60)
        )
        assert.strictEqual((yield* json(stale))["code"], "stale_timestamp")
        const forged = g2aDelivery("another-hash-entirely-0123456789", "evt-4", "nonce-cccccccc")
        assert.strictEqual((yield* json(yield* deliver(path, forged)))["code"], "invalid_signature")
        const again = yield* deliver(path, g2aDelivery(apiHash, "evt-1", "nonce-dddddddd"))
        assert.strictEqual(
          (yield* json(again))["outcome"],
          "duplicate",
          "a new nonce but the same event id: deduplicated"
        )
        const resent = yield* deliver(path, g2aDelivery(apiHash, "evt-1", "nonce-aaaaaaaa"))
        assert.strictEqual(resent.status, 200, "the very same delivery sent again is a duplicate, not a replay")
        assert.strictEqual((yield* json(resent))["outcome"], "duplicate")
      })
    )

    it.effect("event ids are per source: two organisations using the same id both get applied", () =>
      Effect.gen(function* () {
        const a = yield* setup("wh-ids-a@example.com")
        const b = yield* setup("wh-ids-b@example.com")
        const fromA = yield* deliver(a.path, signedDelivery(a.secret, created("A-1"), { id: "evt_1" })).pipe(
          Effect.flatMap(json)
        )
        const fromB = yield* deliver(b.path, signedDelivery(b.secret, created("B-1"), { id: "evt_1" })).pipe(
          Effect.flatMap(json)
        )
        assert.deepStrictEqual([fromA["outcome"], fromB["outcome"]], ["applied", "applied"])
        const ordersB = yield* call("GET", "/api/v1/orders", { token: b.owner.accessToken }).pipe(Effect.flatMap(json))
        assert.strictEqual((ordersB["orders"] as Array<unknown>).length, 1)
      })
    )

    it.effect("a cancellation that arrives before its order is not lost: retry later, then applied", () =>
      Effect.gen(function* () {
        const { owner, path, secret } = yield* setup("wh-early-cancel@example.com")
        const cancel = signedDelivery(secret, { type: "order.cancelled", data: { externalOrderId: "EXT-E" } })
        const early = yield* deliver(path, cancel)
        assert.strictEqual(early.status, 503)
        assert.strictEqual((yield* json(early))["code"], "retry_later")
        yield* deliver(path, signedDelivery(secret, created("EXT-E", 2)))
        const retried = yield* deliver(path, cancel).pipe(Effect.flatMap(json))
        assert.strictEqual(retried["outcome"], "applied")
        const level = yield* call("GET", "/api/v1/inventory?sku=WH-1", { token: owner.accessToken }).pipe(
          Effect.flatMap(json)
        )
        assert.strictEqual((level["levels"] as Array<Record<string, number>>)[0]?.reserved, 0)
      })
    )

    it.effect(
      "authentic but impossible events are recorded as failed; cancellations release stock; unknown topics are ignored",
      () =>
        Effect.gen(function* () {
          const { owner, path, secret } = yield* setup("wh-apply@example.com")
          const impossible = yield* deliver(
            path,
            signedDelivery(secret, {
              type: "order.created",
              data: { externalOrderId: "EXT-X", lines: [{ sku: "NOPE", quantity: 1 }] }
            })
          ).pipe(Effect.flatMap(json))
          assert.strictEqual(impossible["outcome"], "failed")
          yield* deliver(path, signedDelivery(secret, created("EXT-C", 5)))
          const cancelled = yield* deliver(
            path,
            signedDelivery(secret, { type: "order.cancelled", data: { externalOrderId: "EXT-C" } })
          ).pipe(Effect.flatMap(json))
          assert.strictEqual(cancelled["outcome"], "applied")
          const level = yield* call("GET", "/api/v1/inventory?sku=WH-1", { token: owner.accessToken }).pipe(
            Effect.flatMap(json)
          )
          assert.strictEqual((level["levels"] as Array<Record<string, number>>)[0]?.reserved, 0)
          const ignored = yield* deliver(path, signedDelivery(secret, { type: "customer.updated", data: {} })).pipe(
            Effect.flatMap(json)
          )
          assert.strictEqual(ignored["outcome"], "ignored")
          const { sql: admin } = yield* AdminDatabase
          const events = yield* admin<{ outcome: string; detail: string | null }>`
          SELECT outcome, detail FROM webhook_events WHERE organization_id = ${owner.organizationId} ORDER BY received_at`
          assert.deepStrictEqual(
            events.map((e) => e.outcome),
            ["failed", "applied", "applied", "ignored"]
          )
          assert.include(events[0]?.detail ?? "", "unknown SKU")
        })
    )
  })
})

describe("webhook senders that keep failing verification", () => {
  layer(testApp({ RATE_LIMIT_WEBHOOK_FAILURES_PER_MINUTE: "3" }), { excludeTestServices: true, timeout: 60_000 })(
    "a budget of 3 refusals per minute",
    (it) => {
      it.effect(
        "the 4th delivery to a URL from an address whose 3 deliveries there were refused is 429, before any lookup",
        () =>
          Effect.gen(function* () {
            const { path, secret } = yield* setup("wh-limit@example.com")
            const forged = signedDelivery(`whsec_${Buffer.alloc(24, 3).toString("base64")}`, created("EXT-L"))
            for (let i = 0; i < 3; i++)
              assert.strictEqual((yield* deliver(path, forged)).status, 401, `forgery ${i + 1}`)
            const limited = yield* deliver(path, forged)
            assert.strictEqual(limited.status, 429)
            assert.isDefined(limited.headers["retry-after"])
            assert.strictEqual((yield* json(limited))["code"], "rate_limited")
            // Refused for the rest of the window, even genuine deliveries from the same address to that URL…
            assert.strictEqual((yield* deliver(path, signedDelivery(secret, created("EXT-L")))).status, 429)
            // …while the same address's deliveries to other URLs are still heard (a provider sends for every tenant).
            const elsewhere = yield* deliver("/webhooks/custom/00000000-0000-4000-8000-000000000000", forged)
            assert.strictEqual(elsewhere.status, 401)
          })
      )
    }
  )
})
