/**
 * Connection reads per label purchase: one. Every SQL statement the app sends is recorded with the request it
 * ran for (test/support/StatementLog.ts), so the statements of the one label request are counted, not the
 * scheduler's beside it. A quote first warms the carrier token (the token machinery reads the connection too when
 * no cached token exists); buying the label then reads the connections table exactly once: the row with its
 * sealed credentials.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { type FakeCarrier, startFakeFedEx } from "../fakes/carriers/FakeCarriers.ts"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { recording, StatementLog } from "../support/StatementLog.ts"
import { testApp } from "../support/TestApp.ts"

class FedEx extends Context.Service<FedEx, FakeCarrier>()("test/integration/label-reads/FedEx") {}

const FEDEX = { clientId: "fedex-project-key", clientSecret: "fedex-secret-key" }
const REQUEST_ID = "label-reads-0001"

const app = Layer.unwrap(
  Effect.gen(function* () {
    const fedex = yield* Effect.acquireRelease(
      Effect.promise(() => startFakeFedEx(FEDEX)),
      (f) => Effect.promise(f.close)
    )
    return recording(testApp({ FEDEX_API_URL: fedex.url })).pipe(Layer.provideMerge(Layer.succeed(FedEx, fedex)))
  })
)

const address = (name: string) => ({
  name,
  street1: "1 Main St",
  city: "Memphis",
  postalCode: "38116",
  countryCode: "US",
  stateOrProvince: "TN"
})
const shipment = (connectionId: string) => ({
  connectionId,
  from: address("Warehouse"),
  to: address("Ada"),
  parcel: { weightGrams: 1500, lengthCm: 30, widthCm: 20, heightCm: 10 }
})

/** A statement that reads the connections table (as its FROM or a JOIN), whatever else it does. */
const readsConnections = (sql: string) => /\b(?:from|join)\s+(?:"?public"?\.)?"?connections"?(?![\w"])/i.test(sql)

describe("connection reads per label purchase", () => {
  layer(app, { excludeTestServices: true, timeout: 60_000 })("against fake FedEx", (it) => {
    it.effect("buying a label with a warm carrier token reads the connections table once", () =>
      Effect.gen(function* () {
        const fedex = yield* FedEx
        const statements = yield* StatementLog
        const { accessToken: token } = yield* signUpAndLogin("label-reads@example.com", "Label Reads Co")
        const added = yield* call("POST", "/api/v1/carriers/fedex", {
          token,
          body: { ...FEDEX, accountNumber: "740561073" }
        })
        assert.strictEqual(added.status, 201)
        const connectionId = String((yield* json(added))["id"])
        yield* call("PUT", "/api/v1/products", { token, body: { products: [{ sku: "READS-1", name: "READS-1" }] } })
        yield* call("POST", "/api/v1/inventory/bulk", { token, body: [{ sku: "READS-1", quantity: 10 }] })
        const lines = [{ sku: "READS-1", quantity: 1 }]
        const order = yield* call("POST", "/api/v1/orders", { token, body: { lines } })
        assert.strictEqual(order.status, 201)
        const orderId = String((yield* json(order))["id"])

        // Warm: the first carrier call finds no cached token and reads it from the connection.
        const quotes = `/api/v1/orders/${orderId}/shipping/quotes`
        const warm = yield* call("POST", quotes, { token, body: shipment(connectionId) })
        assert.strictEqual(warm.status, 200)

        const label = yield* HttpClient.execute(
          HttpClientRequest.post(`/api/v1/orders/${orderId}/shipments`).pipe(
            HttpClientRequest.bearerToken(token),
            HttpClientRequest.setHeader("idempotency-key", "label-reads-1"),
            HttpClientRequest.setHeader("x-request-id", REQUEST_ID),
            HttpClientRequest.bodyJsonUnsafe({ ...shipment(connectionId), service: "FEDEX_GROUND" })
          )
        )
        assert.strictEqual(label.status, 201)
        assert.strictEqual(label.headers["x-request-id"], REQUEST_ID)
        assert.lengthOf(fedex.labels(), 1, "the label was bought")

        const sent = statements.ofRequest(REQUEST_ID)
        // The whole request is counted, down to recording the shipment after the carrier answered.
        const recordsShipment = sent.some((s) => /insert\s+into\s+shipments/i.test(s))
        assert.isTrue(recordsShipment, `no shipment insert in:\n${sent.join("\n")}`)
        const reads = sent.filter(readsConnections)
        assert.strictEqual(reads.length, 1, `connections read ${reads.length} times:\n${reads.join("\n---\n")}`)
        assert.match(reads[0] ?? "", /\bcredentials\b/, "the one read returns the sealed credentials with the row")
      })
    )
  })
})
