/**
 * UPS end to end, over HTTP only, against FakeUps: the catalogue lists UPS as a configured carrier; an account is
 * stored only with credentials UPS accepts (HTTP Basic at its token endpoint) and a valid shipper number; many
 * concurrent quotes on a cold cache cost one token request; a revoked token is refreshed once; timeouts open the
 * `ups` circuit and a probe after the cooldown closes it; a label is bought once per Idempotency-Key, a 503 or an
 * unreadable answer to a purchase is "outcome unknown" and never re-sent; the tracking job follows it to delivered.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as Ups from "../../adapters/providers/ups/UpsContract.ts"
import { pollCarrierTrackingJob } from "../../apps/scheduler/TrackingPollJob.ts"
import { type FakeUps, startFakeUps } from "../fakes/ups/FakeUps.ts"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { eventually } from "../support/Eventually.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

class Fake extends Context.Service<Fake, FakeUps>()("test/FakeUps") {}

const UPS = { clientId: "ups-app-client-id", clientSecret: "ups-app-client-secret" }
const SHIPPER = "A1B2C3"

const app = Layer.unwrap(
  Effect.gen(function* () {
    const fake = yield* Effect.acquireRelease(
      Effect.promise(() => startFakeUps(UPS)),
      (f) => Effect.promise(f.close)
    )
    return testApp({
      UPS_API_URL: fake.url,
      // As in carriers.test.ts: long enough for 50 quotes fired at once on a loaded machine (with one retry), short
      // enough for the 5 timeouts the circuit test needs (25 s of its budget).
      PROVIDER_TIMEOUT: "5 seconds",
      PROVIDER_RETRIES: "1",
      // Longer than the few requests the test makes while the circuit is open take on a loaded machine; the test
      // polls for the probe instead of sleeping it out.
      PROVIDER_CIRCUIT_COOLDOWN: "5 seconds"
    }).pipe(Layer.provideMerge(Layer.succeed(Fake, fake)))
  })
)

const address = (name: string) => ({
  name,
  street1: "1 Main St",
  city: "Memphis",
  postalCode: "38116",
  countryCode: "US",
  stateOrProvince: "TN",
  phone: "+1 901-555-0100"
})
const parcel = { weightGrams: 1500, lengthCm: 30, widthCm: 20, heightCm: 10 }

const addAccount = (token: string, body: Record<string, string>) =>
  call("POST", "/api/v1/carriers/ups", { token, body })

const quote = (token: string, orderId: string, connectionId: string) =>
  call("POST", `/api/v1/orders/${orderId}/shipping/quotes`, {
    token,
    body: { connectionId, from: address("Warehouse"), to: address("Ada Lovelace"), parcel }
  })

const ship = (token: string, orderId: string, connectionId: string, key?: string) =>
  HttpClient.execute(
    HttpClientRequest.post(`/api/v1/orders/${orderId}/shipments`).pipe(
      HttpClientRequest.bearerToken(token),
      key === undefined ? (r) => r : HttpClientRequest.setHeader("idempotency-key", key),
      HttpClientRequest.bodyJsonUnsafe({
        connectionId,
        service: "03",
        from: address("Warehouse"),
        to: address("Ada Lovelace"),
        parcel
      })
    )
  )

const anOrder = (token: string, sku: string) =>
  Effect.gen(function* () {
    yield* call("PUT", "/api/v1/products", { token, body: { products: [{ sku, name: sku }] } })
    yield* call("POST", "/api/v1/inventory/bulk", { token, body: [{ sku, quantity: 10 }] })
    const created = yield* call("POST", "/api/v1/orders", { token, body: { lines: [{ sku, quantity: 1 }] } }).pipe(
      Effect.flatMap(json)
    )
    return String(created["id"])
  })

const connectionsOf = (token: string) =>
  call("GET", "/api/v1/connections", { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) => b["connections"] as Array<unknown>)
  )

const shipRequests = (fake: FakeUps) => fake.count((r) => r.method === "POST" && r.path === Ups.SHIP_PATH)

describe("UPS end to end", () => {
  layer(app, { excludeTestServices: true, timeout: 60_000 })("against FakeUps", (it) => {
    it.effect("the catalogue lists UPS as a configured carrier", () =>
      Effect.gen(function* () {
        const { accessToken } = yield* signUpAndLogin("ups-catalogue@example.com", "UPS Catalogue Co")
        const listed = yield* call("GET", "/api/v1/providers", { token: accessToken }).pipe(Effect.flatMap(json))
        const ups = (listed["providers"] as Array<Record<string, unknown>>).find((p) => p["id"] === "ups")
        assert.isDefined(ups)
        assert.strictEqual(ups!["displayName"], "UPS")
        assert.strictEqual(ups!["kind"], "carrier")
        assert.strictEqual(ups!["auth"], "client_credentials")
        assert.strictEqual(ups!["refresh"], "client_credentials")
        assert.strictEqual(ups!["webhooks"], "none")
        assert.strictEqual(ups!["configured"], true)
        assert.deepStrictEqual(ups!["capabilities"], ["rates", "labels", "tracking"])
        assert.deepStrictEqual(ups!["endpoints"], { ...Ups.HOSTS })
      })
    )

    it.effect(
      "accounts checked with UPS; one token for 50 cold quotes; revoked token refreshed once; circuit opens, recovers",
      () =>
        Effect.gen(function* () {
          const fake = yield* Fake
          const { accessToken } = yield* signUpAndLogin("ups-owner@example.com", "UPS Co")

          const tokensAtStart = fake.tokenRequests()
          const refused = yield* addAccount(accessToken, { ...UPS, clientSecret: "wrong", accountNumber: SHIPPER })
          assert.strictEqual(refused.status, 422)
          assert.strictEqual((yield* json(refused))["code"], "carrier_credentials_refused")
          assert.strictEqual(fake.tokenRequests() - tokensAtStart, 1, "UPS was asked")
          assert.lengthOf(yield* connectionsOf(accessToken), 0, "nothing stored")

          // Not a UPS shipper number: refused before UPS is asked.
          const badNumber = yield* addAccount(accessToken, { ...UPS, accountNumber: "510087020" })
          assert.strictEqual(badNumber.status, 422)
          assert.strictEqual((yield* json(badNumber))["code"], "carrier_rejected")
          assert.strictEqual(fake.tokenRequests() - tokensAtStart, 1)
          assert.lengthOf(yield* connectionsOf(accessToken), 0)

          const added = yield* addAccount(accessToken, { ...UPS, accountNumber: SHIPPER })
          assert.strictEqual(added.status, 201)
          const connectionId = String((yield* json(added))["id"])
          const { sql: admin } = yield* AdminDatabase
          const [row] = yield* admin<{ credentials: string; provider: string }>`
            SELECT credentials, provider FROM connections WHERE id = ${connectionId}`
          assert.strictEqual(row!.provider, "ups")
          assert.notInclude(row!.credentials, UPS.clientSecret)
          assert.lengthOf(yield* connectionsOf(accessToken), 1)

          // Cold: the token stored at verification is past its expiry and no cache holds one.
          yield* admin`UPDATE connections SET token_expires_at = now() - interval '1 minute' WHERE id = ${connectionId}`
          const orderId = yield* anOrder(accessToken, "UPS-SKU")
          const tokensBefore = fake.tokenRequests()
          const statuses = yield* Effect.forEach(
            Array.from({ length: 50 }),
            () => quote(accessToken, orderId, connectionId).pipe(Effect.map((r) => r.status)),
            { concurrency: 50 }
          )
          assert.deepStrictEqual([...new Set(statuses)], [200])
          assert.strictEqual(fake.tokenRequests() - tokensBefore, 1, "one token request for 50 concurrent quotes")
          const answer = yield* quote(accessToken, orderId, connectionId).pipe(Effect.flatMap(json))
          const quotes = answer["quotes"] as Array<Record<string, unknown>>
          assert.deepStrictEqual(
            quotes.map((q) => [q["carrier"], q["service"], q["serviceName"], q["totalCents"], q["transitDays"]]),
            [
              ["ups", "03", "UPS Ground", 1099, null],
              ["ups", "01", "UPS Next Day Air", 4950, 1]
            ],
            "the account's negotiated rates from a Shop request"
          )
          const operations = fake.requests.filter((r) => r.path !== Ups.TOKEN_PATH)
          assert.isTrue(operations.every((r) => r.headers["transactionsrc"] === Ups.TRANSACTION_SOURCE))

          // Revoked at UPS: 401 → one refresh → success.
          fake.revokeTokens()
          const afterRevoke = fake.tokenRequests()
          assert.strictEqual((yield* quote(accessToken, orderId, connectionId)).status, 200)
          assert.strictEqual(fake.tokenRequests() - afterRevoke, 1)

          // Timeouts open the `ups` circuit; calls then fail without reaching UPS; a probe after cooldown closes it.
          fake.setMode("hang")
          for (let i = 0; i < 5; i++) {
            const slow = yield* quote(accessToken, orderId, connectionId)
            assert.strictEqual(slow.status, 503)
            assert.strictEqual((yield* json(slow))["code"], "carrier_unavailable")
          }
          const reached = fake.operations()
          const fast = yield* quote(accessToken, orderId, connectionId)
          assert.strictEqual(fast.status, 503)
          assert.isDefined(fast.headers["retry-after"])
          assert.strictEqual(fake.operations(), reached, "an open circuit does not call UPS")
          const ready = yield* call("GET", "/health/ready").pipe(Effect.flatMap(json))
          assert.match((ready["details"] as Record<string, string>)["providers"]!, /ups:Open/)
          fake.setMode("ok")
          // The cooldown is real time in the app: poll until the circuit lets a probe through (until then each call
          // is a 503 that reaches nothing).
          const probe = yield* eventually(
            "the circuit let a probe through",
            quote(accessToken, orderId, connectionId),
            (r) => r.status !== 503 || fake.operations() !== reached,
            { everyMs: 200 }
          )
          assert.strictEqual(probe.status, 200, "the half-open probe succeeds and closes the circuit")
          assert.strictEqual((yield* quote(accessToken, orderId, connectionId)).status, 200)
        }),
      // 50 cold quotes, 5 attempts that time out (25 s), the circuit's cooldown (5 s): ~40 s idle.
      180_000
    )

    it.effect("a label is bought once per Idempotency-Key, never re-sent, and tracked until delivered", () =>
      Effect.gen(function* () {
        const fake = yield* Fake
        const { accessToken } = yield* signUpAndLogin("ups-ship@example.com", "UPS Ship Co")
        const added = yield* addAccount(accessToken, { ...UPS, accountNumber: SHIPPER }).pipe(Effect.flatMap(json))
        const connectionId = String(added["id"])
        const orderId = yield* anOrder(accessToken, "UPS-SHIP-1")
        const labelsBefore = fake.labels().length

        assert.strictEqual((yield* ship(accessToken, orderId, connectionId)).status, 400, "Idempotency-Key required")
        const first = yield* ship(accessToken, orderId, connectionId, "ups-label-1")
        assert.strictEqual(first.status, 201)
        const shipment = yield* json(first)
        const again = yield* json(yield* ship(accessToken, orderId, connectionId, "ups-label-1"))
        assert.strictEqual(again["id"], shipment["id"])
        assert.lengthOf(fake.labels(), labelsBefore + 1, "a retry never buys a second label")
        assert.strictEqual(shipment["trackingNumber"], fake.labels().at(-1))
        assert.match(String(shipment["trackingNumber"]), new RegExp(`^1Z${SHIPPER}03\\d{8}$`))
        assert.strictEqual(shipment["carrier"], "ups")
        assert.strictEqual(shipment["service"], "03")
        assert.strictEqual(shipment["status"], "label_created")

        // A 503 after the purchase was sent: it may have happened, so it is not re-sent and the answer is unknown.
        const second = yield* anOrder(accessToken, "UPS-SHIP-2")
        const sentBefore = shipRequests(fake)
        fake.failNext(1)
        const unavailable = yield* ship(accessToken, second, connectionId, "ups-label-2")
        assert.strictEqual(unavailable.status, 409)
        assert.strictEqual((yield* json(unavailable))["code"], "label_outcome_unknown")
        assert.strictEqual(shipRequests(fake) - sentBefore, 1, "the purchase was sent once, not retried")
        const replayed = yield* ship(accessToken, second, connectionId, "ups-label-2")
        assert.strictEqual((yield* json(replayed))["code"], "label_outcome_unknown", "answered from the key")
        assert.strictEqual(shipRequests(fake) - sentBefore, 1)

        // A 2xx UPS garbled: the label was bought, the answer is unreadable; kept as unknown for the key.
        fake.setMode("garbled")
        const garbled = yield* ship(accessToken, second, connectionId, "ups-label-3")
        fake.setMode("ok")
        assert.strictEqual(garbled.status, 409)
        assert.strictEqual((yield* json(garbled))["code"], "label_outcome_unknown")
        assert.strictEqual(
          (yield* json(yield* ship(accessToken, second, connectionId, "ups-label-3")))["code"],
          "label_outcome_unknown"
        )
        assert.lengthOf(fake.labels(), labelsBefore + 2, "one label per key, even when the answer was unreadable")
        assert.strictEqual(shipRequests(fake) - sentBefore, 2)

        const job = pollCarrierTrackingJob({ every: Duration.minutes(15), batch: 100, concurrency: 4 })
        const status = () =>
          call("GET", `/api/v1/orders/${orderId}/shipments`, { token: accessToken }).pipe(
            Effect.flatMap(json),
            Effect.map((b) => (b["shipments"] as Array<Record<string, unknown>>)[0]!["status"])
          )
        const trackingNumber = String(shipment["trackingNumber"])
        fake.setTracking(trackingNumber, "I")
        yield* job.run
        assert.strictEqual(yield* status(), "in_transit")
        fake.setTracking(trackingNumber, "I/OT")
        yield* job.run
        assert.strictEqual(yield* status(), "out_for_delivery")
        fake.setTracking(trackingNumber, "D")
        yield* job.run
        assert.strictEqual(yield* status(), "delivered")
        // Delivered: not polled any more.
        const operations = fake.operations()
        yield* job.run
        assert.strictEqual(fake.operations(), operations)
      })
    )
  })
})
