/**
 * The account lifecycle in a real browser (Debian's Chromium driven by playwright-core, headless) against the app
 * sending real SMTP to a loopback server (smtp-server; the test reads the links out of what arrived with
 * mailparser): sign up → "check your email" → follow the emailed link → verified → log in → forgot password →
 * emailed reset link → new password → log in with it → change it on the Account page. Screenshots go to
 * test-results/console/.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { mkdirSync } from "node:fs"
import type { Browser } from "playwright-core"
import { chromiumBrowser } from "../support/Browser.ts"
import { nextMail, smtpServer, TestMailbox } from "../support/Mail.ts"
import { freePort } from "../support/RedisServer.ts"
import { testApp } from "../support/TestApp.ts"

const SHOTS = "test-results/console"

class Env extends Context.Service<Env, { readonly base: string; readonly browser: Browser }>()("test/AccountEnv") {}

const app = Layer.unwrap(
  Effect.gen(function* () {
    const port = yield* Effect.promise(freePort)
    const base = `http://127.0.0.1:${port}`
    const smtp = yield* smtpServer()
    const browser = yield* chromiumBrowser
    mkdirSync(SHOTS, { recursive: true })
    return testApp(
      { PORT: String(port), PUBLIC_BASE_URL: base, SMTP_URL: smtp.url, MAIL_FROM: "accounts@tradeport.test" },
      { listen: port }
    ).pipe(Layer.provideMerge(Layer.mergeAll(Layer.succeed(Env, { base, browser }), Layer.succeed(TestMailbox, smtp))))
  })
)

/** The link in an email (the first https?:// URL carrying a token). */
const linkIn = (text: string) => {
  const found = /(https?:\/\/\S+#token=\S+)/.exec(text)?.[1]
  if (found === undefined) throw new Error("no link in the email")
  return found
}

describe("account lifecycle in Chromium", () => {
  layer(app, { excludeTestServices: true, timeout: 90_000 })("against loopback SMTP", (it) => {
    it.effect("sign up → email link → verified → log in → forgot → emailed reset → new password → change it", () =>
      Effect.gen(function* () {
        const { base, browser } = yield* Env
        const email = "browser-owner@example.com"
        const context = yield* Effect.promise(() => browser.newContext({ viewport: { width: 1200, height: 900 } }))
        const page = yield* Effect.promise(() => context.newPage())
        const step = <A>(f: () => Promise<A>) => Effect.promise(f)
        try {
          // Sign up from the login page.
          yield* step(async () => {
            await page.goto(`${base}/console`)
            await page.getByRole("link", { name: "Create an account" }).click()
            await page.getByLabel("Organisation name").fill("Browser Co")
            await page.getByLabel("Email").fill(email)
            await page.getByLabel("Password", { exact: true }).fill("12345")
            await page.getByRole("button", { name: "Create account" }).click()
          })
          // The browser's own validation (minlength) keeps a short password from being sent; a common one is refused.
          yield* step(async () => {
            await page.getByLabel("Password", { exact: true }).fill("1q2w3e4r5t6y")
            await page.getByRole("button", { name: "Create account" }).click()
            await page.getByText("This password is too common").waitFor()
            assert.strictEqual(await page.locator("#banner").getAttribute("role"), "alert")
            assert.strictEqual(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid"), "true")
            await page.getByLabel("Password", { exact: true }).fill("correct horse battery staple")
            await page.getByRole("button", { name: "Create account" }).click()
            await page.getByRole("heading", { name: "Check your email" }).waitFor()
            await page.screenshot({ path: `${SHOTS}/signup-check-email.png`, fullPage: true })
          })

          // Not confirmed yet: there is no account, and logging in says only what a wrong password would.
          const welcome = yield* nextMail(email, /Confirm your email/)
          yield* step(async () => {
            await page.goto(`${base}/console`)
            await page.getByLabel("Email").fill(email)
            await page.getByLabel("Password").fill("correct horse battery staple")
            await page.getByRole("button", { name: "Log in" }).click()
            await page.getByText("Email or password is incorrect.").waitFor()
          })

          // Follow the emailed link: confirmed, the token gone from the address bar, then log in.
          yield* step(async () => {
            await page.goto(linkIn(welcome.text))
            await page.getByText("Your email address is confirmed").waitFor()
            assert.notInclude(page.url(), "token=")
            await page.getByLabel("Email").fill(email)
            await page.getByLabel("Password").fill("correct horse battery staple")
            await page.getByRole("button", { name: "Log in" }).click()
            await page.getByRole("heading", { name: "Connections" }).waitFor()
            await page.getByRole("button", { name: "Log out" }).click()
            await page.getByRole("button", { name: "Log in" }).waitFor()
          })

          // Forgot the password: the emailed link leads to a new one.
          yield* step(async () => {
            await page.getByRole("link", { name: "Forgot your password?" }).click()
            await page.getByLabel("Email").fill(email)
            await page.getByRole("button", { name: "Send reset link" }).click()
            await page.getByText("If that address has an account, a reset link is on its way").waitFor()
          })
          const reset = yield* nextMail(email, /Reset your Tradeport password/)
          yield* step(async () => {
            await page.goto(linkIn(reset.text))
            assert.notInclude(page.url(), "token=")
            await page.getByLabel("New password", { exact: true }).fill("a brand new passphrase")
            await page.getByLabel("Repeat the new password").fill("a brand new passphrase")
            await page.getByRole("button", { name: "Set new password" }).click()
            await page.getByText("Your password is changed").waitFor()
            await page.screenshot({ path: `${SHOTS}/reset-done.png`, fullPage: true })
            await page.getByLabel("Email").fill(email)
            await page.getByLabel("Password").fill("a brand new passphrase")
            await page.getByRole("button", { name: "Log in" }).click()
            await page.getByRole("heading", { name: "Connections" }).waitFor()
          })

          // Change it while logged in; a wrong current password is refused and announced.
          yield* step(async () => {
            await page.getByRole("link", { name: "Account" }).click()
            await page.getByLabel("Current password").fill("not the password")
            await page.getByLabel("New password", { exact: true }).fill("the third passphrase")
            await page.getByRole("button", { name: "Change password" }).click()
            await page.getByText("The current password is incorrect.").waitFor()
            assert.strictEqual(await page.locator("#banner").getAttribute("role"), "alert")
            await page.getByLabel("Current password").fill("a brand new passphrase")
            await page.getByRole("button", { name: "Change password" }).click()
            await page.getByText("Password changed. Your other sessions were logged out.").waitFor()
            await page.screenshot({ path: `${SHOTS}/account.png`, fullPage: true })
          })
          yield* nextMail(email, /password was changed/)
        } finally {
          yield* Effect.promise(() => context.close())
        }
      })
    )
  })
})
