/**
 * A fake WooCommerce store speaking the real protocol:
 *
 * - `GET /wc-auth/v1/authorize?app_name&scope&user_id&return_url&callback_url` (all required; scope
 *   read|write|read_write; callback_url over https — loopback excepted, for tests): an HTML page with Approve and
 *   Deny links. Approving issues a key, POSTs `{key_id, user_id, consumer_key, consumer_secret, key_permissions}`
 *   to the callback URL (60 s timeout; any non-2xx answer deletes the key and shows an error page), then sends the
 *   browser to `return_url?success=1&user_id=…`; denying sends it to `success=0`.
 * - REST v3 with HTTP Basic (429 with Retry-After on demand) (consumer key/secret): `GET /wp-json/wc/v3/orders` (`modified_after`, `page`,
 *   `per_page`, `orderby=modified`, `X-WP-Total` / `X-WP-TotalPages`), `POST /wp-json/wc/v3/webhooks` (the new
 *   webhook's URL is pinged with an unsigned `webhook_id=N`); 401 `woocommerce_rest_cannot_view` for bad keys.
 * - Webhook senders: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(raw body, webhook secret)), with tampering.
 *
 * `appOrigin` rewrites our public base URL (what the app tells the store) to where the test app really listens.
 */
import { createHmac, randomBytes } from "node:crypto"
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from "../FakeServer.ts"

export interface FakeWooLine {
  readonly sku: string | null
  readonly quantity: number
  readonly price: number
}

export interface FakeWooOrder {
  readonly id: number
  status: string
  readonly currency: string
  date_modified_gmt: string
  readonly line_items: ReadonlyArray<FakeWooLine>
}

export interface FakeWooCommerce extends FakeServer {
  /** Where the app's public base URL (`http://localhost:3000`) really is, for the store's server-side calls. */
  readonly setAppOrigin: (publicBase: string, actual: string) => void
  readonly addOrder: (lines: ReadonlyArray<FakeWooLine>, status?: string) => FakeWooOrder
  readonly setStatus: (id: number, status: string) => FakeWooOrder
  /** Called after each orders page is answered (to change orders while a sync runs). */
  readonly onOrdersPage: (hook: (page: number) => void) => void
  /** The next N REST requests answer 429 with Retry-After: 1 (a store behind a rate-limiting proxy). */
  readonly rateLimitNext: (n: number) => void
  readonly keys: () => ReadonlyArray<{ readonly consumerKey: string; readonly deleted: boolean }>
  readonly webhooks: () => ReadonlyArray<{
    readonly id: number
    readonly topic: string
    readonly deliveryUrl: string
    readonly pingStatus: number
  }>
  /** Sends a signed delivery for an order to every webhook of the topic; returns the HTTP statuses. */
  readonly deliver: (
    topic: string,
    order: FakeWooOrder,
    options?: { readonly tamper?: boolean }
  ) => Promise<ReadonlyArray<number>>
}

const random = (length: number) => randomBytes(length).toString("hex").slice(0, length)
const html = (body: string, status = 200): FakeResponse => ({
  status,
  headers: { "content-type": "text/html; charset=utf-8" },
  text: `<!doctype html><html><body>${body}</body></html>`
})

export const startFakeWooCommerce = async (): Promise<FakeWooCommerce> => {
  const pending = new Map<string, Record<string, string>>()
  const keys: Array<{ id: number; consumerKey: string; consumerSecret: string; deleted: boolean }> = []
  const orders: Array<FakeWooOrder> = []
  const hooks: Array<{ id: number; topic: string; deliveryUrl: string; secret: string; pingStatus: number }> = []
  let rewrite: { from: string; to: string } | undefined
  let rateLimit = 0
  let pageHook: (page: number) => void = () => undefined
  let clock = Date.parse("2026-11-01T00:00:00Z")
  const tick = () => {
    clock += 1000
    return new Date(clock).toISOString().replace(/\.\d{3}Z$/, "")
  }
  const toApp = (url: string) =>
    rewrite !== undefined && url.startsWith(rewrite.from) ? rewrite.to + url.slice(rewrite.from.length) : url
  const isLoopback = (url: string) => /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(url)

  const authorize = (request: FakeRequest): FakeResponse => {
    const q = Object.fromEntries(request.query)
    for (const name of ["app_name", "scope", "user_id", "return_url", "callback_url"]) {
      if ((q[name] ?? "") === "") return html(`<p>Error: Missing parameter ${name}</p>`, 400)
    }
    if (!["read", "write", "read_write"].includes(q["scope"]!)) return html("<p>Error: Invalid scope</p>", 400)
    if (!q["callback_url"]!.startsWith("https://") && !isLoopback(q["callback_url"]!))
      return html("<p>Error: The callback_url needs to be over SSL</p>", 400)
    const ticket = random(24)
    pending.set(ticket, q)
    return html(
      `<h1>${q["app_name"]} would like to connect to your store</h1><p>Scope: ${q["scope"]}</p>` +
        `<a id="approve" href="/wc-auth/v1/access_granted?ticket=${ticket}">Approve</a> <a id="deny" href="/wc-auth/v1/access_denied?ticket=${ticket}">Deny</a>`
    )
  }

  const granted = async (request: FakeRequest): Promise<FakeResponse> => {
    const q = pending.get(request.query.get("ticket") ?? "")
    pending.delete(request.query.get("ticket") ?? "")
    if (q === undefined) return html("<p>Error: invalid request</p>", 400)
    const key = {
      id: keys.length + 1,
      consumerKey: `ck_${random(40)}`,
      consumerSecret: `cs_${random(40)}`,
      deleted: false
    }
    keys.push(key)
    const ok = await fetch(toApp(q["callback_url"]!), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        key_id: key.id,
        user_id: q["user_id"],
        consumer_key: key.consumerKey,
        consumer_secret: key.consumerSecret,
        key_permissions: q["scope"]
      }),
      signal: AbortSignal.timeout(60_000)
    }).then(
      (r) => r.ok,
      () => false
    )
    if (!ok) {
      key.deleted = true
      return html(
        "<p>Error: An error occurred in the request and at the time were unable to send the consumer data.</p>",
        401
      )
    }
    const back = new URL(q["return_url"]!)
    back.searchParams.set("success", "1")
    back.searchParams.set("user_id", q["user_id"]!)
    return { status: 302, headers: { location: back.toString() } }
  }

  const denied = (request: FakeRequest): FakeResponse => {
    const q = pending.get(request.query.get("ticket") ?? "")
    pending.delete(request.query.get("ticket") ?? "")
    if (q === undefined) return html("<p>Error: invalid request</p>", 400)
    const back = new URL(q["return_url"]!)
    back.searchParams.set("success", "0")
    back.searchParams.set("user_id", q["user_id"]!)
    return { status: 302, headers: { location: back.toString() } }
  }

  const authenticated = (request: FakeRequest) => {
    const header = request.headers["authorization"] ?? ""
    if (!header.startsWith("Basic ")) return false
    const [ck, cs] = Buffer.from(header.slice(6), "base64").toString().split(":")
    return keys.some((k) => !k.deleted && k.consumerKey === ck && k.consumerSecret === cs)
  }

  const rest = async (request: FakeRequest): Promise<FakeResponse> => {
    if (!authenticated(request)) {
      return {
        status: 401,
        json: {
          code: "woocommerce_rest_cannot_view",
          message: "Sorry, you cannot list resources.",
          data: { status: 401 }
        }
      }
    }
    if (rateLimit > 0) {
      rateLimit--
      return {
        status: 429,
        headers: { "retry-after": "1" },
        json: { code: "too_many_requests", message: "Too many requests", data: { status: 429 } }
      }
    }
    if (request.method === "GET" && request.path === "/wp-json/wc/v3/orders") {
      const perPage = Math.min(100, Number(request.query.get("per_page") ?? 10))
      const page = Number(request.query.get("page") ?? 1)
      const after = request.query.get("modified_after")
      const since = after === null ? -Infinity : Date.parse(after)
      const statuses = (request.query.get("status") ?? "any").split(",")
      const matching = orders
        .filter((o) => Date.parse(`${o.date_modified_gmt}Z`) > since)
        .filter((o) => statuses.includes(o.status) || (statuses.includes("any") && o.status !== "trash"))
        .sort((a, b) => a.date_modified_gmt.localeCompare(b.date_modified_gmt))
      const slice = matching.slice((page - 1) * perPage, page * perPage)
      // The answer is a snapshot taken when the query ran; changes made afterwards show in later requests.
      const answer: FakeResponse = {
        status: 200,
        headers: {
          "x-wp-total": String(matching.length),
          "x-wp-totalpages": String(Math.max(1, Math.ceil(matching.length / perPage)))
        },
        json: JSON.parse(
          JSON.stringify(
            slice.map((o) => ({
              ...o,
              number: String(o.id),
              date_modified: o.date_modified_gmt,
              line_items: o.line_items.map((l, i) => ({ id: i + 1, ...l, total: (l.price * l.quantity).toFixed(2) }))
            }))
          )
        )
      }
      pageHook(page)
      return answer
    }
    if (request.method === "POST" && request.path === "/wp-json/wc/v3/webhooks") {
      const body = JSON.parse(request.body) as { topic: string; delivery_url: string; secret: string }
      const hook = {
        id: hooks.length + 1,
        topic: body.topic,
        deliveryUrl: body.delivery_url,
        secret: body.secret,
        pingStatus: 0
      }
      hooks.push(hook)
      hook.pingStatus = await fetch(toApp(hook.deliveryUrl), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-wc-webhook-id": String(hook.id) },
        body: `webhook_id=${hook.id}`
      }).then(
        (r) => r.status,
        () => 0
      )
      return { status: 201, json: { id: hook.id, topic: hook.topic, delivery_url: hook.deliveryUrl, status: "active" } }
    }
    return {
      status: 404,
      json: {
        code: "rest_no_route",
        message: "No route was found matching the URL and request method.",
        data: { status: 404 }
      }
    }
  }

  const server = await startFakeServer((request) => {
    if (request.path === "/wc-auth/v1/authorize") return authorize(request)
    if (request.path === "/wc-auth/v1/access_granted") return granted(request)
    if (request.path === "/wc-auth/v1/access_denied") return denied(request)
    if (request.path.startsWith("/wp-json/")) return rest(request)
    return { status: 404, text: "not found" }
  })

  return {
    ...server,
    setAppOrigin: (publicBase, actual) => {
      rewrite = { from: publicBase, to: actual }
    },
    addOrder: (lines, status = "processing") => {
      const order: FakeWooOrder = {
        id: 100 + orders.length + 1,
        status,
        currency: "EUR",
        date_modified_gmt: tick(),
        line_items: lines
      }
      orders.push(order)
      return order
    },
    setStatus: (id, status) => {
      const order = orders.find((o) => o.id === id)
      if (order === undefined) throw new Error(`no order ${id}`)
      order.status = status
      order.date_modified_gmt = tick()
      return order
    },
    onOrdersPage: (hook) => {
      pageHook = hook
    },
    rateLimitNext: (n) => {
      rateLimit = n
    },
    keys: () => keys.map((k) => ({ consumerKey: k.consumerKey, deleted: k.deleted })),
    webhooks: () =>
      hooks.map((h) => ({ id: h.id, topic: h.topic, deliveryUrl: h.deliveryUrl, pingStatus: h.pingStatus })),
    deliver: async (topic, order, options = {}) => {
      const statuses: Array<number> = []
      for (const hook of hooks.filter((h) => h.topic === topic)) {
        // A deletion carries only the id, as WooCommerce sends it.
        const body =
          topic === "order.deleted"
            ? JSON.stringify({ id: order.id })
            : JSON.stringify({ ...order, number: String(order.id) })
        const signature = createHmac("sha256", hook.secret).update(body).digest("base64")
        const response = await fetch(toApp(hook.deliveryUrl), {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-wc-webhook-source": `${server.url}/`,
            "x-wc-webhook-topic": topic,
            "x-wc-webhook-resource": topic.split(".")[0]!,
            "x-wc-webhook-event": topic.split(".")[1]!,
            "x-wc-webhook-signature": signature,
            "x-wc-webhook-id": String(hook.id),
            "x-wc-webhook-delivery-id": String(Math.floor(Math.random() * 1e9))
          },
          body:
            options.tamper === true ? body.replace(/"quantity":(\d+)/, (_, q) => `"quantity":${Number(q) + 1}`) : body
        })
        statuses.push(response.status)
      }
      return statuses
    }
  }
}
