/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core, headless): log in, connect
 * Shopify against the fake (approve → badge Connected), deny (→ the denial message), the token dashboard, and a
 * bulk import with a bad row (→ the error report). Screenshots go to test-results/console/.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { existsSync, mkdirSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"
import { call, signUpAndLogin } from "../support/Api.ts"
import { freePort } from "../support/RedisServer.ts"
import { testApp } from "../support/TestApp.ts"
import { type FakeShopify, startFakeShopify } from "../fakes/shopify/FakeShopify.ts"

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"
const SHOTS = "test-results/console"
const SECRET = "shpss_console_secret_0123456789"

class Env extends Context.Service<
  Env,
  { readonly base: string; readonly shopify: FakeShopify; readonly browser: Browser }
>()("test/ConsoleEnv") {}

const app = Layer.unwrap(
  Effect.gen(function* () {
    if (!existsSync(CHROMIUM)) {
      return yield* Effect.die(
        new Error(
          `the console's browser tests need Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`
        )
      )
    }
    const port = yield* Effect.promise(freePort)
    const base = `http://127.0.0.1:${port}`
    const shopify = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startFakeShopify({
          clientId: "console-app",
          clientSecret: SECRET,
          redirectUri: `${base}/api/v1/auth/shopify/callback`,
          scopes: "read_orders,read_products,read_inventory"
        })
      ),
      (f) => Effect.promise(f.close)
    )
    const browser = yield* Effect.acquireRelease(
      Effect.promise(() =>
        chromium.launch({
          executablePath: CHROMIUM,
          args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        })
      ),
      (b) => Effect.promise(() => b.close())
    )
    mkdirSync(SHOTS, { recursive: true })
    return testApp(
      {
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        SHOPIFY_CLIENT_ID: "console-app",
        SHOPIFY_CLIENT_SECRET: SECRET,
        SHOPIFY_SHOP_URL: shopify.shopUrlTemplate
      },
      { listen: port }
    ).pipe(Layer.provideMerge(Layer.succeed(Env, { base, shopify, browser })))
  })
)

describe("web console in Chromium", () => {
  layer(app, { excludeTestServices: true, timeout: 90_000 })("against the fake Shopify", (it) => {
    it.effect(
      "login → connect Shopify (approve → Connected; deny → the denial message) → token health → bulk import error report",
      () =>
        Effect.gen(function* () {
          const { base, browser } = yield* Env
          const { accessToken } = yield* signUpAndLogin("console-owner@example.com", "Console Co")
          yield* call("PUT", "/api/v1/products", {
            token: accessToken,
            body: { products: [{ sku: "TEE-1", name: "Tee" }] }
          })

          yield* Effect.promise(async () => {
            const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
            const page = await context.newPage()
            try {
              await page.goto(`${base}/console`)
              await page.getByLabel("Email").fill("console-owner@example.com")
              await page.getByLabel("Password").fill("correct horse battery staple")
              await page.getByRole("button", { name: "Log in" }).click()
              await page.getByRole("heading", { name: "Connections" }).waitFor()
              await page.getByText("No connections yet").waitFor()

              // Approve at Shopify: back on the console, the shop is Connected.
              await page.getByLabel("Shop domain").fill("browser-shop.myshopify.com")
              await page.getByRole("button", { name: "Connect Shopify" }).click()
              await page.locator("#approve").click()
              await page.locator('tr[data-provider="shopify"] .badge').waitFor()
              assert.strictEqual(await page.locator('tr[data-provider="shopify"] .badge').textContent(), "Connected")
              assert.strictEqual(await page.locator("#banner").textContent(), "Shopify connected.")
              assert.notInclude(page.url(), "outcome=", "the outcome parameters are removed from the address")
              await page.screenshot({ path: `${SHOTS}/connections.png`, fullPage: true })

              // Deny at Shopify: the console says so, in words.
              await page.getByLabel("Shop domain").fill("denied-shop.myshopify.com")
              await page.getByRole("button", { name: "Connect Shopify" }).click()
              await page.locator("#deny").click()
              await page.getByText("Connection failed: you denied permission.").waitFor()
              assert.strictEqual(await page.locator("#banner").getAttribute("role"), "alert")
              await page.locator('tr[data-provider="shopify"]').first().waitFor()
              assert.strictEqual(
                await page.locator('tr[data-provider="shopify"]').count(),
                1,
                "the denial created nothing"
              )

              // Token health: expiry countdown, last and next refresh, history.
              await page.getByRole("link", { name: "Token health" }).click()
              await page.getByText("Next scheduled refresh").waitFor()
              await page.getByText("CHANNEL_CONNECTED").waitFor()
              assert.match((await page.locator("[data-countdown]").first().textContent()) ?? "", /min/)
              await page.screenshot({ path: `${SHOTS}/token-health.png`, fullPage: true })

              // Bulk import with a bad row: nothing applied, the report names the row.
              await page.getByRole("link", { name: "Inventory" }).click()
              await page.getByLabel("CSV file (sku,quantity[,location])").setInputFiles({
                name: "stock.csv",
                mimeType: "text/csv",
                buffer: Buffer.from("sku,quantity\nTEE-1,5\nTEE-1,-3\n")
              })
              await page.getByRole("button", { name: "Import" }).click()
              const report = page.locator("#import-report")
              await report.getByText("0 of 2 rows applied; 1 with errors.").waitFor()
              assert.match((await report.locator("li").first().textContent()) ?? "", /Row 2 \(TEE-1\): quantity/)
              await page.screenshot({ path: `${SHOTS}/import-report.png`, fullPage: true })

              // Mobile width: the same page still works (no horizontal scroll of the body).
              await page.setViewportSize({ width: 380, height: 800 })
              const overflow = await page.evaluate(
                () => document.documentElement.scrollWidth - document.documentElement.clientWidth
              )
              assert.isAtMost(overflow, 0)

              // Log out: the cookie session is gone; a reload lands on the login form.
              await page.getByRole("button", { name: "Log out" }).click()
              await page.reload()
              await page.getByRole("button", { name: "Log in" }).waitFor()
            } finally {
              await context.close()
            }
          })
        })
    )
  })
})
