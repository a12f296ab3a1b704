/** A browser at a provider's consent page (a fake's): opens it, clicks Approve or Deny, and is sent back to us. */
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { chromium } from "playwright-core"

/** The path (and query) of our app the browser is redirected to, and the status of that redirect. */
export const consent = (authorizeUrl: string, decision: "approve" | "deny") =>
  Effect.promise(async () => {
    const page = await fetch(authorizeUrl)
    const html = await page.text()
    const href = new RegExp(`id="${decision}" href="([^"]+)"`).exec(html)?.[1]
    if (href === undefined)
      throw new Error(`no ${decision} button on ${authorizeUrl}: ${page.status} ${html.slice(0, 200)}`)
    const back = await fetch(new URL(href.replace(/&amp;/g, "&"), authorizeUrl), { redirect: "manual" })
    const location = back.headers.get("location")
    if (location === null) return { status: back.status, path: undefined }
    const url = new URL(location)
    return { status: back.status, path: `${url.pathname}${url.search}` }
  })

/** The `name=value` of the cookie a response sets (what a browser would send back). */
export const cookieFrom = (headers: Readonly<Record<string, string | undefined>>, name: string) => {
  const header = headers["set-cookie"] ?? ""
  const match = new RegExp(`(?:^|[,\\s])(${name}=[^;]+)`).exec(header)
  if (match === null) throw new Error(`no ${name} cookie in ${header}`)
  return match[1]!
}

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

/** Debian's Chromium, headless, for the test's scope (playwright-core: no downloaded browsers). */
export const chromiumBrowser = Effect.gen(function* () {
  if (!existsSync(CHROMIUM))
    return yield* Effect.die(
      new Error(
        `the console's browser tests need Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`
      )
    )
  return yield* Effect.acquireRelease(
    Effect.promise(() =>
      chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
      })
    ),
    (b) => Effect.promise(() => b.close())
  )
})
