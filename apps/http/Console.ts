/**
 * The web console, served by the HTTP app at /console: three static files (apps/console, no build step) read once
 * at startup. Every console path answers the page (the page routes itself); assets come from /console/assets/.
 * A strict Content-Security-Policy allows only this origin's script and style — no inline code, no third parties.
 */
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { DevMailbox, type DevMailboxShape } from "../shared/DevMailbox.ts"

const DIR = fileURLToPath(new URL("../console/", import.meta.url))

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'"
].join("; ")

const ASSETS: Readonly<Record<string, string>> = {
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8"
}

/**
 * GET /dev/mailbox[?to=address]: what the loopback mail capture received, newest first, as JSON. Registered only when
 * the capture runs (no SMTP server configured, never in production): the verification and reset links are in there.
 */
const devMailbox = (mailbox: DevMailboxShape) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const to = new URL(request.url, "http://console").searchParams.get("to") ?? undefined
    return HttpServerResponse.jsonUnsafe(
      { smtp: mailbox.smtpUrl, messages: mailbox.messages(to) },
      { headers: { "cache-control": "no-store" } }
    )
  })

export const ConsoleRoutes = Layer.unwrap(
  Effect.gen(function* () {
    const read = (name: string) => Effect.promise(() => readFile(`${DIR}${name}`, "utf8"))
    const index = yield* read("index.html")
    const assets = new Map<string, string>()
    for (const name of Object.keys(ASSETS)) assets.set(name, yield* read(name))
    const headers = { "content-security-policy": CSP, "cache-control": "no-cache" }
    const serve = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = new URL(request.url, "http://console").pathname
      const asset = /^\/console\/assets\/([\w.-]+)$/.exec(path)?.[1]
      if (asset !== undefined) {
        const body = assets.get(asset)
        const contentType = ASSETS[asset]
        return body === undefined || contentType === undefined
          ? HttpServerResponse.empty({ status: 404 })
          : HttpServerResponse.text(body, { contentType, headers })
      }
      return HttpServerResponse.html(index).pipe(HttpServerResponse.setHeaders(headers))
    })
    // (The wildcard route also answers /console itself.)
    const consoleRoute = HttpRouter.add("GET", "/console/*", serve)
    const mailbox = yield* Effect.serviceOption(DevMailbox)
    if (Option.isNone(mailbox)) return consoleRoute
    return Layer.merge(consoleRoute, HttpRouter.add("GET", "/dev/mailbox", devMailbox(mailbox.value)))
  })
)
