/**
 * No secret reaches a log line: a full flow (sign-up, failed and successful logins, refresh, reuse, logout,
 * members, G2A token, calls and a signed webhook, Shopify and WooCommerce connect flows, order syncs with a token
 * refresh, a Shopify webhook) runs with canary values for every secret at debug level, and
 * every line written is scanned.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { signWebhook, startFakeG2A } from "../fakes/FakeG2A.ts"
import { call, json, mailedToken, withoutRedirects } from "../support/Api.ts"
import { consent, cookieFrom } from "../support/Browser.ts"
import { startFakeShopify } from "../fakes/shopify/FakeShopify.ts"
import { startFakeWooCommerce } from "../fakes/woocommerce/FakeWooCommerce.ts"
import { testApp } from "../support/TestApp.ts"

const canaries = {
  JWT_SECRET: `canary-jwt-${randomBytes(16).toString("hex")}`,
  ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  PASSWORD: `canary-password-${randomBytes(8).toString("hex")}`,
  MEMBER_PASSWORD: `canary-member-${randomBytes(8).toString("hex")}`,
  G2A_API_KEY: `canary-g2a-key-${randomBytes(8).toString("hex")}`,
  G2A_API_HASH: `canary-g2a-hash-${randomBytes(8).toString("hex")}`,
  SHOPIFY_CLIENT_SECRET: `canary-shopify-${randomBytes(8).toString("hex")}`
}

describe("secrets never reach the logs", () => {
  it.live(
    "a full identity flow at debug level logs none of the canaries, tokens or passwords",
    () =>
      Effect.gen(function* () {
        const lines: Array<string> = []
        const capture =
          (write: (...args: Array<unknown>) => void) =>
          (...args: Array<unknown>) => {
            lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "))
            write(...args)
          }
        const original = {
          log: console.log,
          error: console.error,
          warn: console.warn,
          info: console.info,
          debug: console.debug
        }
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            console.log = capture(() => undefined)
            console.error = capture(() => undefined)
            console.warn = capture(() => undefined)
            console.info = capture(() => undefined)
            console.debug = capture(() => undefined)
          }),
          () => Effect.sync(() => Object.assign(console, original))
        )
        const tokens: Array<string> = []
        const g2a = yield* Effect.acquireRelease(
          Effect.promise(() =>
            startFakeG2A({
              apiKey: canaries.G2A_API_KEY,
              apiHash: canaries.G2A_API_HASH,
              env: "live",
              products: [{ id: "1", name: "Canary Game", qty: 3, minPrice: 1, currency: "EUR" }]
            })
          ),
          (f) => Effect.promise(f.close)
        )
        const shopify = yield* Effect.acquireRelease(
          Effect.promise(() =>
            startFakeShopify({
              clientId: "canary-app",
              clientSecret: canaries.SHOPIFY_CLIENT_SECRET,
              scopes: "read_orders,read_products,read_inventory",
              redirectUri: "http://localhost:3000/api/v1/auth/shopify/callback"
            })
          ),
          (f) => Effect.promise(f.close)
        )
        const woo = yield* Effect.acquireRelease(Effect.promise(startFakeWooCommerce), (f) => Effect.promise(f.close))
        yield* Effect.gen(function* () {
          const server = yield* HttpServer.HttpServer
          woo.setAppOrigin(
            "http://localhost:3000",
            HttpServer.formatAddress(server.address).replace("0.0.0.0", "127.0.0.1")
          )
          const email = "canary@example.com"
          yield* call("POST", "/api/v1/auth/register", {
            body: { organizationName: "Canary", email, password: canaries.PASSWORD }
          })
          const verifyToken = yield* mailedToken(email, /Confirm your email/)
          tokens.push(verifyToken)
          yield* call("POST", "/api/v1/auth/verify", { body: { token: verifyToken } })
          yield* call("POST", "/api/v1/auth/login", { body: { email, password: `${canaries.PASSWORD}-wrong` } })
          const session = yield* call("POST", "/api/v1/auth/login", {
            body: { email, password: canaries.PASSWORD }
          }).pipe(Effect.flatMap(json))
          tokens.push(String(session["accessToken"]), String(session["refreshToken"]))
          const access = String(session["accessToken"])
          yield* call("POST", "/api/v1/org/members", {
            token: access,
            body: { email: "canary-member@example.com", password: canaries.MEMBER_PASSWORD, role: "member" }
          })
          yield* call("GET", "/api/v1/me", { token: `${access}x` })
          const next = yield* call("POST", "/api/v1/auth/refresh", {
            body: { refreshToken: session["refreshToken"] }
          }).pipe(Effect.flatMap(json))
          tokens.push(String(next["accessToken"]), String(next["refreshToken"]))
          yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: session["refreshToken"] } })
          yield* call("POST", "/api/v1/auth/logout", { body: { refreshToken: next["refreshToken"] } })
          // Reuse revoked that session's family and logout ended it (its access tokens are refused at once now): the
          // rest of the flow runs in a new session.
          const again = yield* call("POST", "/api/v1/auth/login", {
            body: { email, password: canaries.PASSWORD }
          }).pipe(Effect.flatMap(json))
          tokens.push(String(again["accessToken"]), String(again["refreshToken"]))
          // G2A: token fetch (readiness), hash-authenticated reads, an order, a signed webhook.
          yield* call("GET", "/health/ready")
          yield* call("GET", "/api/v1/g2a/products", { token: String(again["accessToken"]) })
          const body = JSON.stringify({
            event_id: "canary-evt",
            type: "order.status",
            data: { order_id: "1", status: "complete" }
          })
          yield* HttpClient.execute(
            HttpClientRequest.post("/webhooks/g2a").pipe(
              HttpClientRequest.setHeaders(signWebhook(canaries.G2A_API_HASH, body)),
              HttpClientRequest.bodyText(body, "application/json")
            )
          )
          // Shopify: install, consent, code exchange, webhook subscriptions, an order sync with a refresh on 401, a webhook.
          const owner = String(again["accessToken"])
          const visit = (path: string, cookie = "") =>
            withoutRedirects(
              HttpClient.execute(
                HttpClientRequest.get(path).pipe(
                  HttpClientRequest.bearerToken(owner),
                  HttpClientRequest.setHeader("cookie", cookie)
                )
              )
            )
          const shop = "canary.myshopify.com"
          const shopifyFlow = yield* visit(`/api/v1/auth/shopify/install?shop=${shop}`)
          const shopifyBack = yield* consent(shopifyFlow.headers["location"]!, "approve")
          yield* visit(shopifyBack.path!, cookieFrom(shopifyFlow.headers, "tp_oauth_shopify"))
          const wooFlow = yield* visit(`/api/v1/auth/woocommerce/install?store_url=${encodeURIComponent(woo.url)}`)
          const wooBack = yield* consent(wooFlow.headers["location"]!, "approve")
          yield* visit(wooBack.path!, cookieFrom(wooFlow.headers, "tp_oauth_woocommerce"))
          const connected = (yield* call("GET", "/api/v1/connections", { token: owner }).pipe(Effect.flatMap(json)))[
            "connections"
          ] as Array<Record<string, string>>
          assert.strictEqual(connected.length, 2, "both channels connected (the scan covers their secrets)")
          shopify.addOrder(shop, { id: "1", lines: [{ sku: "NONE", quantity: 1, price: "1.00" }] })
          shopify.expireAccessTokens()
          for (const c of connected) yield* call("POST", `/api/v1/connections/${c["id"]}/sync`, { token: owner })
          const shopifyConnection = connected.find((c) => c["provider"] === "shopify")!
          const delivery = shopify.webhook(shop, "orders/create", shopify.orderPayload(shopify.orders(shop)[0]!))
          yield* HttpClient.execute(
            HttpClientRequest.post(`/webhooks/shopify/${shopifyConnection["id"]}`).pipe(
              HttpClientRequest.setHeaders(delivery.headers),
              HttpClientRequest.bodyText(delivery.body, "application/json")
            )
          )
        }).pipe(
          Effect.provide(
            Layer.fresh(
              testApp({
                LOG_LEVEL: "Debug",
                JWT_SECRET: canaries.JWT_SECRET,
                ENCRYPTION_KEYS: `canary:${canaries.ENCRYPTION_KEY}`,
                G2A_API_KEY: canaries.G2A_API_KEY,
                G2A_API_HASH: canaries.G2A_API_HASH,
                G2A_ENV: "live",
                G2A_API_URL: g2a.url,
                G2A_EXPORT_API_URL: g2a.url,
                SHOPIFY_CLIENT_ID: "canary-app",
                SHOPIFY_CLIENT_SECRET: canaries.SHOPIFY_CLIENT_SECRET,
                SHOPIFY_SHOP_URL: shopify.shopUrlTemplate,
                OUTBOUND_ALLOWED_ORIGINS: woo.url
              })
            )
          )
        )
        const everything = lines.join("\n")
        assert.isAbove(lines.length, 10, "the flow was logged (the scan is not vacuous)")
        assert.include(everything, "http request")
        for (const [name, value] of Object.entries(canaries))
          assert.notInclude(everything, value, `${name} leaked into the logs`)
        for (const token of tokens) assert.notInclude(everything, token, "a token leaked into the logs")
        assert.isAtLeast(g2a.tokens.length, 1, "the G2A token was fetched (the scan covers it)")
        assert.include(everything, "provider call", "G2A calls were logged")
        for (const token of g2a.tokens) assert.notInclude(everything, token, "a G2A token leaked into the logs")
        assert.isAtLeast(
          shopify.tokenRequests("refresh_token"),
          1,
          "a Shopify token was refreshed (the scan covers it)"
        )
        assert.notMatch(everything, /shpat_|shprt_|code_[0-9a-f]{8}/, "a Shopify token or code leaked into the logs")
        for (const key of woo.keys())
          assert.notInclude(everything, key.consumerKey.slice(3), "a WooCommerce key leaked into the logs")
        assert.notMatch(everything, /cs_[0-9a-f]{8}/, "a WooCommerce secret leaked into the logs")
      }).pipe(Effect.scoped),
    60_000
  )
})
