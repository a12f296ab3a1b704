/**
 * Shopify end to end, over HTTP only, as a browser and Shopify would drive it: the real HTTP app (real Postgres and
 * Redis) configured against the fake Shopify. Install → permission screen → approve → signed callback → connection
 * connected with its token sealed → order sync imports once → webhooks apply once; and every way the flow can be
 * refused creates nothing.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import { pollChannelOrdersJob } from "../../apps/scheduler/ChannelPollJob.ts"
import { HttpClient, HttpClientRequest } from "effect/http"
import { Redis } from "ioredis"
import { createHmac } from "node:crypto"
import { inject } from "vitest"
import { call, json, signUpAndLogin, withoutRedirects } from "../support/Api.ts"
import { consent as browserConsent, cookieFrom } from "../support/Browser.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"
import { type FakeShopify, startFakeShopify } from "../fakes/shopify/FakeShopify.ts"

class Shopify extends Context.Service<Shopify, FakeShopify>()("test/FakeShopify") {}

const SECRET = "shpss_test_app_secret_0123456789"
const CLIENT_ID = "tradeport-test-app"
const SCOPES = "read_orders,read_products,read_inventory"
const CALLBACK = "http://localhost:3000/api/v1/auth/shopify/callback"

const app = Layer.unwrap(
  Effect.gen(function* () {
    const fake = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startFakeShopify({ clientId: CLIENT_ID, clientSecret: SECRET, redirectUri: CALLBACK, scopes: SCOPES })
      ),
      (f) => Effect.promise(f.close)
    )
    return testApp({
      SHOPIFY_CLIENT_ID: CLIENT_ID,
      SHOPIFY_CLIENT_SECRET: SECRET,
      SHOPIFY_SHOP_URL: fake.shopUrlTemplate,
      PROVIDER_RETRY_BASE_DELAY: "10 millis"
    }).pipe(Layer.provideMerge(Layer.succeed(Shopify, fake)))
  })
)

const install = (token: string, shop: string) =>
  withoutRedirects(
    HttpClient.execute(
      HttpClientRequest.get(`/api/v1/auth/shopify/install?shop=${encodeURIComponent(shop)}`).pipe(
        HttpClientRequest.bearerToken(token)
      )
    )
  )

/** A GET as the browser makes it (with its cookie, if it has one), without following the redirect it answers with. */
const visit = (path: string, cookie?: string) =>
  withoutRedirects(
    HttpClient.execute(
      cookie === undefined
        ? HttpClientRequest.get(path)
        : HttpClientRequest.get(path).pipe(HttpClientRequest.setHeader("cookie", cookie))
    )
  )

const bound = (response: { readonly headers: Readonly<Record<string, string | undefined>> }) =>
  cookieFrom(response.headers, "tp_oauth_shopify")

/** The browser at the fake's permission screen: the callback path Shopify sends it back to. */
const consent = (authorizeUrl: string, decision: "approve" | "deny") =>
  browserConsent(authorizeUrl, decision).pipe(Effect.map((back) => back.path ?? ""))

/** Install → consent → our callback; the console URL we end on. */
const connect = (token: string, shop: string, decision: "approve" | "deny" = "approve") =>
  Effect.gen(function* () {
    const started = yield* install(token, shop)
    assert.strictEqual(started.status, 302)
    const callback = yield* consent(started.headers["location"]!, decision)
    const done = yield* visit(callback, bound(started))
    assert.strictEqual(done.status, 303)
    return { callback, console: new URL(done.headers["location"]!) }
  })

const connections = (token: string) =>
  call("GET", "/api/v1/connections", { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) => b["connections"] as Array<Record<string, unknown>>)
  )

const stock = (token: string, levels: Array<{ sku: string; quantity: number }>) =>
  Effect.gen(function* () {
    yield* call("PUT", "/api/v1/products", {
      token,
      body: { products: levels.map((l) => ({ sku: l.sku, name: l.sku })) }
    })
    assert.strictEqual((yield* call("POST", "/api/v1/inventory/bulk", { token, body: levels })).status, 200)
  })

const sync = (token: string, id: string) => call("POST", `/api/v1/connections/${id}/sync`, { token })

const deliver = (connectionId: string, delivery: { readonly headers: Record<string, string>; readonly body: string }) =>
  HttpClient.execute(
    HttpClientRequest.post(`/webhooks/shopify/${connectionId}`).pipe(
      HttpClientRequest.setHeaders(delivery.headers),
      HttpClientRequest.bodyText(delivery.body, "application/json")
    )
  )

const orderCount = (token: string) =>
  call("GET", "/api/v1/orders?limit=100", { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) => (b["orders"] as Array<unknown>).length)
  )

/** A callback signed like Shopify would, with our own parameters (for stale and forged cases). */
const signed = (params: Record<string, string>) => {
  const message = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join("&")
  return new URLSearchParams({ ...params, hmac: createHmac("sha256", SECRET).update(message).digest("hex") }).toString()
}

describe("Shopify end to end", () => {
  layer(app, { excludeTestServices: true, timeout: 60_000 })("against the fake Shopify", (it) => {
    it.effect(
      "install → approve → connected, token sealed; order sync imports once; an expired token is refreshed and the call retried",
      () =>
        Effect.gen(function* () {
          const fake = yield* Shopify
          const { accessToken } = yield* signUpAndLogin("shopify-owner@example.com", "Shopify Co")
          yield* stock(accessToken, [
            { sku: "TEE-BLK", quantity: 10 },
            { sku: "MUG-RED", quantity: 10 }
          ])

          const started = yield* install(accessToken, "demo-store.myshopify.com")
          const authorize = new URL(started.headers["location"]!)
          assert.strictEqual(authorize.pathname, "/shops/demo-store.myshopify.com/admin/oauth/authorize")
          assert.strictEqual(authorize.searchParams.get("scope"), SCOPES)
          assert.strictEqual(authorize.searchParams.get("redirect_uri"), CALLBACK)
          assert.isNull(authorize.searchParams.get("grant_options[]"), "offline access: no per-user grant")

          const { console } = yield* connect(accessToken, "demo-store.myshopify.com")
          assert.strictEqual(console.pathname, "/console/connections")
          assert.strictEqual(console.searchParams.get("outcome"), "connected")
          assert.strictEqual(console.searchParams.get("account"), "demo-store.myshopify.com")

          const [connection] = yield* connections(accessToken)
          assert.strictEqual(connection!["provider"], "shopify")
          assert.strictEqual(connection!["status"], "connected")
          assert.isString(connection!["tokenExpiresAt"], "expiring offline token: an expiry is tracked")
          const id = String(connection!["id"])

          // Sealed at rest: neither the access nor the refresh token appears in the row.
          const { sql: admin } = yield* AdminDatabase
          const rows = yield* admin<{ credentials: string }>`SELECT credentials FROM connections WHERE id = ${id}`
          assert.notInclude(rows[0]!.credentials, "shpat_")
          assert.notInclude(rows[0]!.credentials, "shprt_")
          const audit = yield* admin<{
            action: string
          }>`SELECT action FROM audit_log WHERE target = ${id} ORDER BY occurred_at`
          assert.include(
            audit.map((a) => a.action),
            "CHANNEL_CONNECTED"
          )
          assert.sameMembers(
            fake.webhookSubscriptions("demo-store.myshopify.com").map((s) => s.topic),
            ["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "APP_UNINSTALLED"]
          )

          fake.addOrder("demo-store.myshopify.com", {
            id: "820982911946154508",
            lines: [{ sku: "TEE-BLK", quantity: 2, price: "19.99" }]
          })
          fake.addOrder("demo-store.myshopify.com", {
            id: "820982911946154509",
            lines: [
              { sku: "MUG-RED", quantity: 1, price: "9.50" },
              { sku: null, quantity: 1, price: "2.00" }
            ]
          })
          fake.addOrder("demo-store.myshopify.com", {
            id: "820982911946154510",
            lines: [{ sku: "UNKNOWN-SKU", quantity: 1, price: "5.00" }]
          })
          // History: shipped before we connected. Not imported (there is no stock of ours to hold for it).
          fake.addOrder("demo-store.myshopify.com", {
            id: "820982911946154400",
            lines: [{ sku: "TEE-BLK", quantity: 5, price: "19.99" }]
          })
          fake.fulfilOrder("demo-store.myshopify.com", "820982911946154400")
          fake.throttleNext(1)
          fake.rateLimitNext(1)

          const first = yield* json(yield* sync(accessToken, id))
          assert.strictEqual(first["created"], 2, JSON.stringify(first))
          assert.deepStrictEqual(
            (first["failed"] as Array<Record<string, string>>).map((f) => f["externalOrderId"]),
            ["820982911946154510"]
          )
          const second = yield* json(yield* sync(accessToken, id))
          assert.strictEqual(second["created"], 0, JSON.stringify(second))
          assert.strictEqual(yield* orderCount(accessToken), 2)

          // A cancellation at Shopify reaches us through the next sync, releasing the stock.
          fake.cancelOrder("demo-store.myshopify.com", "820982911946154508")
          // §12.1: the token expired at Shopify → 401 → one refresh (rotating refresh token) → the call retried → success.
          fake.expireAccessTokens()
          const refreshesBefore = fake.tokenRequests("refresh_token")
          const third = yield* json(yield* sync(accessToken, id))
          assert.strictEqual(third["cancelled"], 1, JSON.stringify(third))
          assert.strictEqual(fake.tokenRequests("refresh_token") - refreshesBefore, 1)
          const inventory = yield* call("GET", "/api/v1/inventory?sku=TEE-BLK", { token: accessToken }).pipe(
            Effect.flatMap(json)
          )
          assert.deepInclude((inventory["levels"] as Array<Record<string, number>>)[0]!, { onHand: 10, reserved: 0 })
          // Shopify ships the mug order: the stock we held for it leaves for good.
          fake.fulfilOrder("demo-store.myshopify.com", "820982911946154509")
          const fourth = yield* json(yield* sync(accessToken, id))
          assert.strictEqual(fourth["fulfilled"], 1, JSON.stringify(fourth))
          const mugs = yield* call("GET", "/api/v1/inventory?sku=MUG-RED", { token: accessToken }).pipe(
            Effect.flatMap(json)
          )
          assert.deepInclude((mugs["levels"] as Array<Record<string, number>>)[0]!, { onHand: 9, reserved: 0 })
          const refreshed = yield* admin<{
            action: string
          }>`SELECT action FROM audit_log WHERE target = ${id} AND action = 'TOKEN_REFRESHED'`
          assert.strictEqual(refreshed.length, 1)
        })
    )

    it.effect("the polling job syncs each due connection once, even with two scheduler runs at the same time", () =>
      Effect.gen(function* () {
        const fake = yield* Shopify
        const { accessToken } = yield* signUpAndLogin("shopify-poll@example.com", "Poll Co")
        yield* stock(accessToken, [{ sku: "POLL-1", quantity: 5 }])
        yield* connect(accessToken, "poll.myshopify.com")
        fake.addOrder("poll.myshopify.com", { id: "7001", lines: [{ sku: "POLL-1", quantity: 1, price: "1.00" }] })
        fake.addOrder("poll.myshopify.com", { id: "7002", lines: [{ sku: "POLL-1", quantity: 2, price: "1.00" }] })
        const queries = () => fake.count((r) => r.path === "/shops/poll.myshopify.com/admin/api/2026-10/graphql.json")
        const before = queries()
        const job = pollChannelOrdersJob({
          every: Duration.minutes(1),
          syncEvery: Duration.minutes(10),
          lease: Duration.minutes(5),
          batch: 50,
          concurrency: 4
        })
        yield* Effect.all([job.run, job.run], { concurrency: 2 })
        assert.strictEqual(yield* orderCount(accessToken), 2)
        const afterFirst = queries()
        assert.strictEqual(afterFirst - before, 1, "one sync (one page) of the connection, not one per run")
        // Synced moments ago: not due again for CHANNEL_SYNC_EVERY.
        yield* job.run
        assert.strictEqual(queries(), afterFirst)
        const { sql: admin } = yield* AdminDatabase
        const [row] = yield* admin<{ owner: string | null; synced: boolean }>`
          SELECT orders_sync_lease_owner AS owner, orders_synced_at IS NOT NULL AS synced FROM connections WHERE external_account = 'poll.myshopify.com'`
        assert.deepStrictEqual(row, { owner: null, synced: true })
      })
    )

    it.effect(
      "a webhook delivered 10 times creates one order; a spoofed shop header, a tampered body → 401; uninstall disconnects",
      () =>
        Effect.gen(function* () {
          const fake = yield* Shopify
          const { accessToken } = yield* signUpAndLogin("shopify-hooks@example.com", "Hooks Co")
          yield* stock(accessToken, [{ sku: "HOOK-1", quantity: 5 }])
          yield* connect(accessToken, "hooks.myshopify.com")
          yield* connect(accessToken, "other-shop.myshopify.com")
          const all = yield* connections(accessToken)
          const id = String(all.find((c) => c["externalAccount"] === "hooks.myshopify.com")!["id"])

          const order = fake.addOrder("hooks.myshopify.com", {
            id: "5001",
            lines: [{ sku: "HOOK-1", quantity: 2, price: "3.00" }]
          })
          const delivery = fake.webhook("hooks.myshopify.com", "orders/create", fake.orderPayload(order), {
            id: "delivery-5001"
          })
          const outcomes: Array<string> = []
          for (let i = 0; i < 10; i++) {
            const response = yield* deliver(id, delivery)
            assert.strictEqual(response.status, 200)
            outcomes.push(String((yield* json(response))["outcome"]))
          }
          assert.deepStrictEqual(outcomes, ["applied", ...Array<string>(9).fill("duplicate")])
          assert.strictEqual(yield* orderCount(accessToken), 1)

          // Cancelled before its creation ever reached us, then the late (retried) creation: no stock is held for it.
          const late = fake.addOrder("hooks.myshopify.com", {
            id: "5002",
            lines: [{ sku: "HOOK-1", quantity: 1, price: "3.00" }]
          })
          const createdSnapshot = fake.orderPayload(late)
          fake.cancelOrder("hooks.myshopify.com", "5002")
          assert.strictEqual(
            (yield* json(
              yield* deliver(id, fake.webhook("hooks.myshopify.com", "orders/cancelled", fake.orderPayload(late)))
            ))["outcome"],
            "ignored"
          )
          assert.strictEqual(
            (yield* json(yield* deliver(id, fake.webhook("hooks.myshopify.com", "orders/create", createdSnapshot))))[
              "outcome"
            ],
            "ignored"
          )
          assert.strictEqual(yield* orderCount(accessToken), 1)

          // Genuine signature, but it claims another shop than this connection's: refused.
          const spoofed = fake.webhook("hooks.myshopify.com", "orders/create", fake.orderPayload(order), {
            shopHeader: "other-shop.myshopify.com"
          })
          const spoofedResponse = yield* deliver(id, spoofed)
          assert.strictEqual(spoofedResponse.status, 401)
          assert.strictEqual((yield* json(spoofedResponse))["code"], "account_mismatch")
          const tampered = fake.webhook("hooks.myshopify.com", "orders/create", fake.orderPayload(order), {
            tamper: true
          })
          const tamperedResponse = yield* deliver(id, tampered)
          assert.strictEqual(tamperedResponse.status, 401)
          assert.strictEqual((yield* json(tamperedResponse))["code"], "invalid_signature")

          // An unsigned topic cannot turn an order into an uninstall: the payload must name the shop.
          const relabelled = fake.webhook("hooks.myshopify.com", "app/uninstalled", fake.orderPayload(order))
          assert.strictEqual((yield* json(yield* deliver(id, relabelled)))["outcome"], "failed")
          // A retried notice of an uninstall from before the shop was (re)connected changes nothing.
          const stale = fake.webhook(
            "hooks.myshopify.com",
            "app/uninstalled",
            { id: 1, myshopify_domain: "hooks.myshopify.com" },
            { triggeredAt: new Date(Date.now() - 3600_000) }
          )
          assert.strictEqual((yield* json(yield* deliver(id, stale)))["outcome"], "ignored")
          assert.strictEqual((yield* connections(accessToken)).find((c) => c["id"] === id)!["status"], "connected")
          const uninstall = fake.webhook("hooks.myshopify.com", "app/uninstalled", {
            id: 1,
            myshopify_domain: "hooks.myshopify.com",
            domain: "hooks.example"
          })
          assert.strictEqual((yield* json(yield* deliver(id, uninstall)))["outcome"], "applied")
          const after = (yield* connections(accessToken)).find((c) => c["id"] === id)!
          assert.strictEqual(after["status"], "disconnected")
          const { sql: admin } = yield* AdminDatabase
          const row = yield* admin<{ credentials: string | null }>`SELECT credentials FROM connections WHERE id = ${id}`
          assert.isNull(row[0]!.credentials)
          const audit = yield* admin<{
            details: Record<string, string>
          }>`SELECT details FROM audit_log WHERE target = ${id} AND action = 'CHANNEL_DISCONNECTED'`
          assert.strictEqual(audit[0]!.details["reason"], "uninstalled")
          assert.strictEqual((yield* sync(accessToken, id)).status, 409)
        })
    )

    it.effect(
      "denied consent, tampered HMAC, replayed state, expired link and foreign shops are refused and create nothing",
      () =>
        Effect.gen(function* () {
          const { accessToken } = yield* signUpAndLogin("shopify-refusals@example.com", "Refusals Co")
          const reasonOf = (console: URL) => [
            console.searchParams.get("outcome"),
            console.searchParams.get("reason"),
            console.searchParams.get("message")
          ]

          const denied = yield* connect(accessToken, "deny-me.myshopify.com", "deny")
          assert.deepStrictEqual(reasonOf(denied.console), [
            "error",
            "denied",
            "Connection failed: you denied permission."
          ])

          // Tampered: the code swapped after Shopify signed the redirect.
          const started = yield* install(accessToken, "tamper.myshopify.com")
          const cookie = bound(started)
          const callback = yield* consent(started.headers["location"]!, "approve")
          const forged = callback.replace(/code=code_[0-9a-f]+/, "code=code_forged")
          const tampered = yield* visit(forged, cookie)
          assert.deepStrictEqual(reasonOf(new URL(tampered.headers["location"]!)).slice(0, 2), [
            "error",
            "invalid_response"
          ])
          // The genuine callback still works once (tampering did not burn the state)… and only once.
          const genuine = yield* visit(callback, cookie)
          assert.strictEqual(new URL(genuine.headers["location"]!).searchParams.get("outcome"), "connected")
          const replayed = yield* visit(callback, cookie)
          assert.deepStrictEqual(reasonOf(new URL(replayed.headers["location"]!)), [
            "error",
            "state_invalid",
            "The link expired, try again."
          ])
          assert.strictEqual((yield* connections(accessToken)).length, 1)

          // A state past its lifetime (expired in Redis), a signed redirect older than the lifetime, and an unknown
          // state: each is "the link expired".
          // Finished in another browser (a link started by one organisation, opened by a merchant elsewhere): refused.
          const foreignFlow = yield* install(accessToken, "victim.myshopify.com")
          const foreignCallback = yield* consent(foreignFlow.headers["location"]!, "approve")
          const otherBrowser = yield* visit(foreignCallback)
          assert.deepStrictEqual(reasonOf(new URL(otherBrowser.headers["location"]!)).slice(0, 2), [
            "error",
            "session_mismatch"
          ])
          const wrongCookie = yield* visit(
            yield* consent((yield* install(accessToken, "victim.myshopify.com")).headers["location"]!, "approve"),
            cookie
          )
          assert.strictEqual(new URL(wrongCookie.headers["location"]!).searchParams.get("reason"), "session_mismatch")

          const late = yield* install(accessToken, "late.myshopify.com")
          const lateCallback = yield* consent(late.headers["location"]!, "approve")
          const lateState = new URL(late.headers["location"]!).searchParams.get("state")!
          yield* Effect.promise(async () => {
            const redis = new Redis(inject("redisUrl"))
            const keys = await redis.keys(`*oauth:state:${lateState}`)
            assert.strictEqual(keys.length, 1)
            await redis.pexpire(keys[0]!, 1)
            // Redis expires the key on its own (real) clock: wait until it reports the key gone (bounded).
            for (let i = 0; i < 1500 && (await redis.exists(keys[0]!)) === 1; i++) {
              await new Promise((resolve) => setTimeout(resolve, 20))
            }
            assert.strictEqual(await redis.exists(keys[0]!), 0, "the state expired")
            await redis.quit()
          })
          const expired = yield* visit(lateCallback, bound(late))
          assert.deepStrictEqual(reasonOf(new URL(expired.headers["location"]!)), [
            "error",
            "state_invalid",
            "The link expired, try again."
          ])
          const old = String(Math.floor(Date.now() / 1000) - 11 * 60)
          const stale = yield* visit(
            `/api/v1/auth/shopify/callback?${signed({ code: "c1", shop: "late.myshopify.com", state: "s".repeat(43), timestamp: old })}`
          )
          assert.strictEqual(new URL(stale.headers["location"]!).searchParams.get("reason"), "state_invalid")
          const now = String(Math.floor(Date.now() / 1000))
          const unknown = yield* visit(
            `/api/v1/auth/shopify/callback?${signed({ code: "c1", shop: "late.myshopify.com", state: "u".repeat(43), timestamp: now })}`
          )
          assert.strictEqual(new URL(unknown.headers["location"]!).searchParams.get("reason"), "state_invalid")
          // A correctly signed callback for a shop outside myshopify.com.
          const foreign = yield* visit(
            `/api/v1/auth/shopify/callback?${signed({ code: "c1", shop: "evil.example.com", state: "x".repeat(43), timestamp: now })}`
          )
          assert.deepStrictEqual(reasonOf(new URL(foreign.headers["location"]!)), [
            "error",
            "not_allowed",
            "This store URL is not allowed."
          ])

          for (const shop of [
            "evil.com",
            "127.0.0.1",
            "demo.myshopify.com.evil.com",
            "demo.myshopify.com/admin",
            "-x.myshopify.com",
            ""
          ]) {
            const refused = yield* install(accessToken, shop)
            assert.strictEqual(refused.status, 400, shop)
            assert.strictEqual((yield* json(refused))["code"], "invalid_shop_domain")
          }
          assert.strictEqual((yield* connections(accessToken)).length, 1)
        })
    )
  })
})
