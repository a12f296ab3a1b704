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

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (what a dual-stack socket reports for an IPv4 peer). */
const LOOPBACK = /^(?:::ffff:)?127(?:\.\d{1,3}){3}$|^::1$/i

/**
 * Whether the request came straight from this machine: the connected socket's own peer address (never a header), and
 * no proxy in between — a request carrying X-Forwarded-For or Forwarded was relayed for someone else, even by a proxy
 * on this machine.
 */
export const fromLoopback = (request: HttpServerRequest.HttpServerRequest) =>
  request.headers["x-forwarded-for"] === undefined &&
  request.headers["forwarded"] === undefined &&
  Option.exists(request.peerAddress, (address) => LOOPBACK.test(address))

/**
 * GET /dev/mailbox[?to=address]: what the loopback mail capture received, newest first, as JSON. Registered only when
 * the capture runs (no SMTP server configured, never in production): the verification and reset links are in there,
 * so it answers loopback clients only; anyone else (a development instance bound to 0.0.0.0) gets 404.
 */
const devMailbox = (mailbox: DevMailboxShape) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!fromLoopback(request)) return HttpServerResponse.empty({ status: 404 })
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
