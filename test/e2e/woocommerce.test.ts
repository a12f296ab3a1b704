/**
 * WooCommerce end to end, over HTTP only: the real HTTP app (real Postgres and Redis) against the fake store.
 * Install → the store's consent page → approve → the store POSTs the keys to our callback → the browser returns →
 * connection connected, keys sealed, webhooks registered → orders sync once → signed webhooks apply once. Store
 * URLs that resolve to private addresses, denials and forged callbacks create nothing.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { call, json, signUpAndLogin, withoutRedirects } from "../support/Api.ts"
import { consent, cookieFrom } from "../support/Browser.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"
import { type FakeWooCommerce, startFakeWooCommerce } from "../fakes/woocommerce/FakeWooCommerce.ts"

class Store extends Context.Service<Store, FakeWooCommerce>()("test/FakeWooCommerce") {}

const PUBLIC_BASE = "http://localhost:3000"

const app = Layer.unwrap(
  Effect.gen(function* () {
    const fake = yield* Effect.acquireRelease(Effect.promise(startFakeWooCommerce), (f) => Effect.promise(f.close))
    return testApp({ OUTBOUND_ALLOWED_ORIGINS: fake.url, PROVIDER_RETRY_BASE_DELAY: "10 millis" }).pipe(
      Layer.provideMerge(Layer.succeed(Store, fake))
    )
  })
)

/** The store's server-side calls (keys, pings, webhooks) must reach the test app where it really listens. */
const store = Effect.gen(function* () {
  const fake = yield* Store
  const server = yield* HttpServer.HttpServer
  fake.setAppOrigin(PUBLIC_BASE, HttpServer.formatAddress(server.address).replace("0.0.0.0", "127.0.0.1"))
  return fake
})

const visit = (path: string, token?: string, cookie?: string) => {
  let request = HttpClientRequest.get(path)
  if (token !== undefined) request = HttpClientRequest.bearerToken(request, token)
  if (cookie !== undefined) request = HttpClientRequest.setHeader(request, "cookie", cookie)
  return withoutRedirects(HttpClient.execute(request))
}

const bound = (response: { readonly headers: Readonly<Record<string, string | undefined>> }) =>
  cookieFrom(response.headers, "tp_oauth_woocommerce")

const install = (token: string, storeUrl: string) =>
  visit(`/api/v1/auth/woocommerce/install?store_url=${encodeURIComponent(storeUrl)}`, token)

const connections = (token: string) =>
  call("GET", "/api/v1/connections", { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) => b["connections"] as Array<Record<string, unknown>>)
  )

const orders = (token: string) =>
  call("GET", "/api/v1/orders?limit=100", { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) => b["orders"] as Array<Record<string, unknown>>)
  )

describe("WooCommerce end to end", () => {
  layer(app, { excludeTestServices: true, timeout: 60_000 })("against the fake store", (it) => {
    it.effect(
      "install → approve → keys received → connected; orders sync once; webhooks apply once, tampered ones are refused",
      () =>
        Effect.gen(function* () {
          const fake = yield* store
          const { accessToken } = yield* signUpAndLogin("woo-owner@example.com", "Woo Co")
          yield* call("PUT", "/api/v1/products", {
            token: accessToken,
            body: {
              products: [
                { sku: "WOO-1", name: "Woo one" },
                { sku: "WOO-2", name: "Woo two" }
              ]
            }
          })
          yield* call("POST", "/api/v1/inventory/bulk", {
            token: accessToken,
            body: [
              { sku: "WOO-1", quantity: 10 },
              { sku: "WOO-2", quantity: 10 }
            ]
          })

          const started = yield* install(accessToken, `${fake.url}/`)
          assert.strictEqual(started.status, 302)
          const authorize = new URL(started.headers["location"]!)
          assert.strictEqual(`${authorize.origin}${authorize.pathname}`, `${fake.url}/wc-auth/v1/authorize`)
          assert.strictEqual(authorize.searchParams.get("scope"), "read_write")
          assert.strictEqual(authorize.searchParams.get("app_name"), "Tradeport")
          assert.strictEqual(
            authorize.searchParams.get("callback_url"),
            `${PUBLIC_BASE}/api/v1/auth/woocommerce/callback`
          )
          assert.strictEqual(authorize.searchParams.get("return_url"), `${PUBLIC_BASE}/api/v1/auth/woocommerce/return`)

          const back = yield* consent(authorize.toString(), "approve")
          assert.strictEqual(back.status, 302)
          const landed = yield* visit(back.path!, undefined, bound(started))
          assert.strictEqual(landed.status, 303)
          const console = new URL(landed.headers["location"]!)
          assert.strictEqual(console.searchParams.get("outcome"), "connected")

          const [connection] = yield* connections(accessToken)
          assert.strictEqual(connection!["provider"], "woocommerce")
          assert.strictEqual(connection!["status"], "connected")
          assert.strictEqual(connection!["externalAccount"], fake.url)
          const id = String(connection!["id"])
          const { sql: admin } = yield* AdminDatabase
          const [row] = yield* admin<{ credentials: string }>`SELECT credentials FROM connections WHERE id = ${id}`
          assert.notInclude(row!.credentials, "ck_")
          assert.notInclude(row!.credentials, fake.keys()[0]!.consumerKey.slice(3))
          assert.sameMembers(
            fake.webhooks().map((w) => w.topic),
            ["order.created", "order.updated", "order.deleted"]
          )
          assert.deepStrictEqual(
            fake.webhooks().map((w) => w.pingStatus),
            [200, 200, 200],
            "the unsigned creation ping is acknowledged"
          )
          assert.isTrue(fake.webhooks().every((w) => w.deliveryUrl === `${PUBLIC_BASE}/webhooks/woocommerce/${id}`))

          const one = fake.addOrder([{ sku: "WOO-1", quantity: 2, price: 4.5 }])
          fake.addOrder([{ sku: "WOO-2", quantity: 1, price: 10 }])
          fake.addOrder([{ sku: "WOO-2", quantity: 1, price: 10 }], "pending")
          fake.rateLimitNext(1)
          const first = yield* call("POST", `/api/v1/connections/${id}/sync`, { token: accessToken }).pipe(
            Effect.flatMap(json)
          )
          assert.strictEqual(first["created"], 2, JSON.stringify(first))
          const again = yield* call("POST", `/api/v1/connections/${id}/sync`, { token: accessToken }).pipe(
            Effect.flatMap(json)
          )
          assert.strictEqual(again["created"], 0, JSON.stringify(again))
          assert.strictEqual((yield* orders(accessToken)).length, 2)

          // The store cancels an order: its webhook (signed with this connection's secret) cancels ours, once.
          const cancelled = fake.setStatus(one.id, "cancelled")
          assert.deepStrictEqual(yield* Effect.promise(() => fake.deliver("order.updated", cancelled)), [200])
          assert.deepStrictEqual(yield* Effect.promise(() => fake.deliver("order.updated", cancelled)), [200])
          const statuses = (yield* orders(accessToken)).map((o) => o["status"])
          assert.sameMembers(statuses, ["cancelled", "reserved"])
          const [events] = yield* admin<{
            n: number
          }>`SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = ${id} AND outcome = 'applied'`
          assert.strictEqual(events!.n, 1, "a retried delivery of the same change is a duplicate")

          // Trashed in the store: the deletion webhook releases what we hold; a sync sees trashed orders too.
          const trashed = fake.setStatus(fake.addOrder([{ sku: "WOO-2", quantity: 3, price: 10 }]).id, "processing")
          yield* call("POST", `/api/v1/connections/${id}/sync`, { token: accessToken })
          assert.strictEqual((yield* orders(accessToken)).length, 3)
          fake.setStatus(trashed.id, "trash")
          assert.deepStrictEqual(yield* Effect.promise(() => fake.deliver("order.deleted", trashed)), [200])
          assert.strictEqual((yield* orders(accessToken)).filter((o) => o["status"] === "cancelled").length, 2)
          const level = yield* call("GET", "/api/v1/inventory?sku=WOO-2", { token: accessToken }).pipe(
            Effect.flatMap(json)
          )
          assert.strictEqual(
            (level["levels"] as Array<Record<string, number>>)[0]!["reserved"],
            1,
            "only the processing WOO-2 order still holds stock"
          )

          const created = fake.addOrder([{ sku: "WOO-1", quantity: 1, price: 4.5 }])
          assert.deepStrictEqual(
            yield* Effect.promise(() => fake.deliver("order.created", created, { tamper: true })),
            [401]
          )
          assert.strictEqual((yield* orders(accessToken)).length, 3)
          assert.deepStrictEqual(yield* Effect.promise(() => fake.deliver("order.created", created)), [200])
          assert.strictEqual((yield* orders(accessToken)).length, 4)
        })
    )

    it.effect("a sync over several pages imports every order once, even when orders change while it runs", () =>
      Effect.gen(function* () {
        const fake = yield* store
        const { accessToken } = yield* signUpAndLogin("woo-pages@example.com", "Woo Pages")
        yield* call("PUT", "/api/v1/products", {
          token: accessToken,
          body: { products: [{ sku: "PAGE-1", name: "Paged" }] }
        })
        yield* call("POST", "/api/v1/inventory/bulk", { token: accessToken, body: [{ sku: "PAGE-1", quantity: 1000 }] })
        const started = yield* install(accessToken, fake.url)
        const back = yield* consent(started.headers["location"]!, "approve")
        yield* visit(back.path!, undefined, bound(started))
        const id = String((yield* connections(accessToken))[0]!["id"])
        // Orders of earlier tests exist in this store too; count what this sync should see from here on.
        const before = yield* call("POST", `/api/v1/connections/${id}/sync`, { token: accessToken }).pipe(
          Effect.flatMap(json)
        )
        const placed = Array.from({ length: 120 }, () => fake.addOrder([{ sku: "PAGE-1", quantity: 1, price: 1 }]))
        // While the sync reads page 1, two orders it already read are modified: with offset paging, the orders
        // after them would shift and the first of the next page be skipped.
        fake.onOrdersPage((page) => {
          if (page === 1) {
            fake.setStatus(placed[0]!.id, "on-hold")
            fake.setStatus(placed[1]!.id, "on-hold")
          }
        })
        const report = yield* call("POST", `/api/v1/connections/${id}/sync`, { token: accessToken }).pipe(
          Effect.flatMap(json)
        )
        fake.onOrdersPage(() => undefined)
        assert.strictEqual(report["created"], 120, JSON.stringify({ before, report }))
        assert.strictEqual(
          yield* call("GET", "/api/v1/orders?limit=200", { token: accessToken }).pipe(
            Effect.flatMap(json),
            Effect.map((b) => (b["orders"] as Array<unknown>).length)
          ),
          Number(before["created"]) + 120
        )
      })
    )

    it.effect("store URLs resolving to private addresses, a denial, forged and replayed callbacks create nothing", () =>
      Effect.gen(function* () {
        const fake = yield* store
        const { accessToken } = yield* signUpAndLogin("woo-refusals@example.com", "Woo Refusals")
        for (const url of [
          "https://localhost:8443",
          "https://127.0.0.1",
          "https://10.1.2.3",
          "https://169.254.169.254/latest",
          "https://[::1]",
          "https://[::ffff:127.0.0.1]",
          "http://example.com",
          "https://0.0.0.0"
        ]) {
          const refused = yield* install(accessToken, url)
          assert.strictEqual(refused.status, 400, url)
          const body = yield* json(refused)
          assert.strictEqual(body["code"], "store_url_not_allowed", url)
          assert.strictEqual(body["detail"], "This store URL is not allowed.")
        }
        for (const url of [
          "not a url",
          "ftp://store.example",
          "https://user:pass@store.example",
          "https://store.example/?x=1"
        ]) {
          assert.strictEqual((yield* json(yield* install(accessToken, url)))["code"], "invalid_store_url", url)
        }

        const deniedFlow = yield* install(accessToken, fake.url)
        const denied = yield* consent(deniedFlow.headers["location"]!, "deny")
        const deniedConsole = new URL((yield* visit(denied.path!, undefined, bound(deniedFlow))).headers["location"]!)
        assert.deepStrictEqual(
          [deniedConsole.searchParams.get("reason"), deniedConsole.searchParams.get("message")],
          ["denied", "Connection failed: you denied permission."]
        )

        // An unknown user_id, then a replay of a used one: 400 (the store then deletes the key).
        const forged = yield* call("POST", "/api/v1/auth/woocommerce/callback", {
          body: {
            key_id: 9,
            user_id: "x".repeat(43),
            consumer_key: `ck_${"a".repeat(40)}`,
            consumer_secret: `cs_${"b".repeat(40)}`,
            key_permissions: "read_write"
          }
        })
        assert.strictEqual(forged.status, 400)
        assert.strictEqual((yield* json(forged))["code"], "state_invalid")
        const stateFlow = yield* install(accessToken, fake.url)
        const state = new URL(stateFlow.headers["location"]!).searchParams.get("user_id")!
        const keys = {
          key_id: 10,
          user_id: state,
          consumer_key: `ck_${"c".repeat(40)}`,
          consumer_secret: `cs_${"d".repeat(40)}`,
          key_permissions: "read_write"
        }
        assert.strictEqual((yield* call("POST", "/api/v1/auth/woocommerce/callback", { body: keys })).status, 200)
        assert.strictEqual((yield* call("POST", "/api/v1/auth/woocommerce/callback", { body: keys })).status, 400)
        // An approval whose keys never arrived says so, not "connected".
        const lostFlow = yield* install(accessToken, fake.url)
        const lost = new URL(lostFlow.headers["location"]!).searchParams.get("user_id")!
        const lostConsole = new URL(
          (yield* visit(`/api/v1/auth/woocommerce/return?success=1&user_id=${lost}`, undefined, bound(lostFlow)))
            .headers["location"]!
        )
        assert.strictEqual(lostConsole.searchParams.get("reason"), "keys_not_received")
        // Keys received, but the browser coming back is not the one that started the flow: nothing is connected.
        const foreignFlow = yield* install(accessToken, fake.url)
        const foreign = yield* consent(foreignFlow.headers["location"]!, "approve")
        const foreignConsole = new URL((yield* visit(foreign.path!)).headers["location"]!)
        assert.strictEqual(foreignConsole.searchParams.get("reason"), "session_mismatch")
        assert.strictEqual(
          (yield* connections(accessToken)).length,
          0,
          "keys alone (forged, replayed or foreign) connect nothing"
        )
        // The genuine flow whose keys arrived by the callback above (state ${state}) connects once its browser returns.
        const genuine = yield* visit(
          `/api/v1/auth/woocommerce/return?success=1&user_id=${state}`,
          undefined,
          bound(stateFlow)
        )
        assert.strictEqual(new URL(genuine.headers["location"]!).searchParams.get("outcome"), "connected")
        assert.strictEqual((yield* connections(accessToken)).length, 1)
      })
    )
  })
})
