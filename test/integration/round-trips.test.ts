/**
 * Database round trips per hot request, counted: every SQL statement the app sends is recorded with the request it
 * ran for (test/support/StatementLog.ts). An order is the membership re-read and ONE statement creating it with its
 * stock reserved; a webhook delivery creating or cancelling an order is the source lookup and ONE statement
 * recording the event and making the change. No transaction is opened around either (a BEGIN would be a round trip
 * of its own, and the statements inside one would carry it).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { recording, StatementLog } from "../support/StatementLog.ts"
import { testApp } from "../support/TestApp.ts"
import { signedDelivery } from "../support/Webhooks.ts"

const send = (path: string, requestId: string, body: unknown, headers: Record<string, string>, token?: string) =>
  HttpClient.execute(
    HttpClientRequest.post(path).pipe(
      HttpClientRequest.setHeaders(headers),
      HttpClientRequest.setHeader("x-request-id", requestId),
      token === undefined ? (r) => r : HttpClientRequest.bearerToken(token),
      HttpClientRequest.bodyUint8Array(
        body instanceof Uint8Array ? body : Buffer.from(JSON.stringify(body)),
        "application/json"
      )
    )
  )

/** The statements of one request, each named by the function it calls or its first words. */
const shape = (sent: ReadonlyArray<string>) =>
  sent.map((s) => /\b(\w+)\s*\(/.exec(s.replace(/^\s*select\s+\*\s+from\s+/i, ""))?.[1] ?? s.trim().slice(0, 40))

describe("round trips per hot request", () => {
  layer(recording(testApp()), { excludeTestServices: true, timeout: 60_000 })("real Postgres", (it) => {
    it.effect("an order: membership + one statement; a webhook order or cancellation: source + one statement", () =>
      Effect.gen(function* () {
        const statements = yield* StatementLog
        const { accessToken: token } = yield* signUpAndLogin("round-trips@example.com")
        yield* call("PUT", "/api/v1/products", { token, body: { products: [{ sku: "RT-1", name: "RT" }] } })
        yield* call("POST", "/api/v1/inventory/bulk", { token, body: [{ sku: "RT-1", quantity: 10 }] })
        const source = yield* call("POST", "/api/v1/connections/custom", { token, body: { name: "RT" } }).pipe(
          Effect.flatMap(json)
        )
        const path = new URL(String(source["webhookUrl"])).pathname
        const secret = String(source["webhookSecret"])

        const order = yield* send("/api/v1/orders", "rt-order", { lines: [{ sku: "RT-1", quantity: 1 }] }, {}, token)
        assert.strictEqual(order.status, 201)
        assert.deepStrictEqual(shape(statements.ofRequest("rt-order")), ["org_member", "order_create_reserved"])

        const created = signedDelivery(secret, {
          type: "order.created",
          data: { externalOrderId: "RT-EXT", lines: [{ sku: "RT-1", quantity: 2 }] }
        })
        const first = yield* send(path, "rt-webhook-create", created.body, created.headers)
        assert.strictEqual((yield* json(first))["outcome"], "applied")
        assert.deepStrictEqual(shape(statements.ofRequest("rt-webhook-create")), ["webhook_source", "webhook_apply"])

        const again = yield* send(path, "rt-webhook-duplicate", created.body, created.headers)
        assert.strictEqual((yield* json(again))["outcome"], "duplicate")

        const cancel = signedDelivery(secret, { type: "order.cancelled", data: { externalOrderId: "RT-EXT" } })
        const cancelled = yield* send(path, "rt-webhook-cancel", cancel.body, cancel.headers)
        assert.strictEqual((yield* json(cancelled))["outcome"], "applied")
        assert.deepStrictEqual(shape(statements.ofRequest("rt-webhook-cancel")), ["webhook_source", "webhook_apply"])

        const level = yield* call("GET", "/api/v1/inventory?sku=RT-1", { token }).pipe(Effect.flatMap(json))
        assert.match(JSON.stringify(level["levels"]), /"reserved":1\b/, "the API order's unit only")
      })
    )
  })
})
