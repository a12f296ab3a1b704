/**
 * A fake Shopify speaking the real protocol, for any number of shops under `/shops/{shop}` (point
 * SHOPIFY_SHOP_URL at `{url}/shops/{shop}`):
 *
 * - the permission screen `GET /admin/oauth/authorize` (an HTML page with Approve and Deny links, checking the
 *   client id, the exact redirect URI and the scopes), and the redirect back signed like Shopify signs it
 *   (`hmac` over every other parameter, sorted) with `code`, `shop`, `state`, `timestamp`, `host`;
 * - `POST /admin/oauth/access_token` (JSON or form): a single-use code → an expiring offline token (1 h) and a
 *   refresh token when `expiring=1`; `grant_type=refresh_token` rotates both (the previous refresh token stays
 *   valid only until the new one is used); revoked or used refresh tokens get `invalid_grant`;
 * - Admin GraphQL `POST /admin/api/{version}/graphql.json` with `X-Shopify-Access-Token` (401 for unknown or
 *   expired tokens): the `orders` query (cursor pagination, `updated_at:>=` filter, sorted by update) and
 *   `webhookSubscriptionCreate`; THROTTLED answers and HTTP 429 with Retry-After on demand;
 * - webhook senders: signed `orders/*` and `app/uninstalled` deliveries, with tampering and header spoofing.
 *
 * Its HMAC maths are written here independently of the adapter's.
 */
import { createHmac, randomBytes } from "node:crypto"
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from "../FakeServer.ts"

export interface FakeShopifyOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** The one redirect URI registered for the app. */
  readonly redirectUri: string
  readonly scopes: string
  readonly accessTokenLifetimeSeconds?: number | undefined
}

export interface FakeLineItem {
  readonly sku: string | null
  readonly quantity: number
  readonly price: string
}

export interface FakeShopifyOrder {
  readonly id: string
  readonly name: string
  readonly currency: string
  updatedAt: string
  cancelledAt: string | null
  fulfilled: boolean
  readonly lines: ReadonlyArray<FakeLineItem>
}

export interface FakeShopify extends FakeServer {
  readonly shopUrlTemplate: string
  readonly addOrder: (
    shop: string,
    order: { readonly id: string; readonly lines: ReadonlyArray<FakeLineItem>; readonly currency?: string }
  ) => FakeShopifyOrder
  readonly cancelOrder: (shop: string, id: string) => FakeShopifyOrder
  readonly fulfilOrder: (shop: string, id: string) => FakeShopifyOrder
  readonly orders: (shop: string) => ReadonlyArray<FakeShopifyOrder>
  readonly expireAccessTokens: () => void
  readonly revokeRefreshTokens: () => void
  readonly tokenRequests: (grant?: "authorization_code" | "refresh_token") => number
  readonly webhookSubscriptions: (shop: string) => ReadonlyArray<{ readonly topic: string; readonly uri: string }>
  /** The next N GraphQL requests answer THROTTLED (HTTP 200, like Shopify). */
  readonly throttleNext: (n: number) => void
  /** The next N GraphQL requests answer HTTP 429 with Retry-After: 1. */
  readonly rateLimitNext: (n: number) => void
  /** A signed delivery as Shopify sends it; `tamper` alters the body after signing, `shopHeader` spoofs the shop. */
  readonly webhook: (
    shop: string,
    topic: string,
    payload: unknown,
    options?: {
      readonly id?: string
      readonly tamper?: boolean
      readonly shopHeader?: string
      readonly triggeredAt?: Date
    }
  ) => {
    readonly headers: Record<string, string>
    readonly body: string
  }
  readonly orderPayload: (order: FakeShopifyOrder) => unknown
}

const random = (prefix: string) => `${prefix}${randomBytes(16).toString("hex")}`
const hmacHex = (secret: string, message: string) => createHmac("sha256", secret).update(message).digest("hex")

/** Shopify's redirect signature: every parameter but hmac, sorted by name, `k=v` joined by `&` (no escaping needed for ours). */
const signRedirect = (secret: string, params: Record<string, string>) => {
  const message = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join("&")
  return { ...params, hmac: hmacHex(secret, message) }
}

const html = (body: string): FakeResponse => ({
  status: 200,
  headers: { "content-type": "text/html; charset=utf-8" },
  text: `<!doctype html><html><body>${body}</body></html>`
})

export const startFakeShopify = async (options: FakeShopifyOptions): Promise<FakeShopify> => {
  const codes = new Map<string, { shop: string; expires: number }>()
  const accessTokens = new Map<string, { shop: string; expires: number }>()
  /** refresh token → shop; `pendingPrevious` maps a new refresh token to the one it replaced (valid until the new one is used). */
  const refreshTokens = new Map<string, string>()
  const pendingPrevious = new Map<string, string>()
  const orders = new Map<string, Array<FakeShopifyOrder>>()
  const subscriptions = new Map<string, Array<{ topic: string; uri: string }>>()
  const grants: Array<string> = []
  let throttle = 0
  let rateLimit = 0
  let clock = Date.parse("2026-11-01T00:00:00Z")
  const lifetime = options.accessTokenLifetimeSeconds ?? 3600

  const issue = (shop: string, expiring: boolean) => {
    const access = random("shpat_")
    accessTokens.set(access, { shop, expires: Date.now() + lifetime * 1000 })
    const body: Record<string, unknown> = { access_token: access, scope: options.scopes }
    if (expiring) {
      const refresh = random("shprt_")
      refreshTokens.set(refresh, shop)
      Object.assign(body, { expires_in: lifetime, refresh_token: refresh, refresh_token_expires_in: 90 * 24 * 3600 })
      return { body, refresh }
    }
    return { body, refresh: undefined }
  }

  const bodyOf = (request: FakeRequest): Record<string, string> => {
    if ((request.headers["content-type"] ?? "").includes("application/json")) {
      const parsed = JSON.parse(request.body) as Record<string, unknown>
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]))
    }
    return Object.fromEntries(new URLSearchParams(request.body))
  }

  const authorize = (shop: string, request: FakeRequest): FakeResponse => {
    const q = request.query
    if (q.get("client_id") !== options.clientId)
      return { status: 400, text: "Oauth error invalid_request: The client_id is invalid" }
    if (q.get("redirect_uri") !== options.redirectUri)
      return { status: 400, text: "Oauth error invalid_request: The redirect_uri is not whitelisted" }
    if (q.get("scope") !== options.scopes) return { status: 400, text: `Oauth error invalid_scope: ${q.get("scope")}` }
    const state = q.get("state") ?? ""
    const approve = `/shops/${shop}/admin/oauth/consent?decision=approve&state=${encodeURIComponent(state)}`
    const deny = `/shops/${shop}/admin/oauth/consent?decision=deny&state=${encodeURIComponent(state)}`
    return html(
      `<h1>Install app on ${shop}?</h1><p>Scopes: ${options.scopes}</p><a id="approve" href="${approve}">Install</a> <a id="deny" href="${deny}">Cancel</a>`
    )
  }

  const consent = (shop: string, request: FakeRequest): FakeResponse => {
    const state = request.query.get("state") ?? ""
    const timestamp = String(Math.floor(Date.now() / 1000))
    const host = Buffer.from(`admin.shopify.com/store/${shop.split(".")[0]}`).toString("base64url")
    const params =
      request.query.get("decision") === "approve"
        ? (() => {
            const code = random("code_")
            codes.set(code, { shop, expires: Date.now() + 60_000 })
            return signRedirect(options.clientSecret, { code, host, shop, state, timestamp })
          })()
        : signRedirect(options.clientSecret, {
            error: "access_denied",
            error_description: "The merchant declined",
            host,
            shop,
            state,
            timestamp
          })
    return { status: 302, headers: { location: `${options.redirectUri}?${new URLSearchParams(params).toString()}` } }
  }

  const accessToken = (shop: string, request: FakeRequest): FakeResponse => {
    const form = bodyOf(request)
    if (form["client_id"] !== options.clientId || form["client_secret"] !== options.clientSecret) {
      return { status: 401, json: { error: "invalid_client", error_description: "Client credentials are invalid" } }
    }
    if (form["grant_type"] === "refresh_token") {
      grants.push("refresh_token")
      const presented = form["refresh_token"] ?? ""
      if (refreshTokens.get(presented) !== shop)
        return {
          status: 400,
          json: { error: "invalid_grant", error_description: "refresh token is invalid or revoked" }
        }
      // Using a new refresh token retires the one it replaced.
      const previous = pendingPrevious.get(presented)
      if (previous !== undefined) {
        refreshTokens.delete(previous)
        pendingPrevious.delete(presented)
      }
      const { body, refresh } = issue(shop, true)
      if (refresh !== undefined) pendingPrevious.set(refresh, presented)
      return { status: 200, json: body }
    }
    grants.push("authorization_code")
    const code = codes.get(form["code"] ?? "")
    codes.delete(form["code"] ?? "")
    if (code === undefined || code.shop !== shop || code.expires < Date.now()) {
      return {
        status: 400,
        json: {
          error: "invalid_request",
          error_description: "The authorization code was not found or was already used"
        }
      }
    }
    return { status: 200, json: issue(shop, form["expiring"] === "1").body }
  }

  const graphql = (shop: string, request: FakeRequest): FakeResponse => {
    const token = accessTokens.get(String(request.headers["x-shopify-access-token"] ?? ""))
    if (token === undefined || token.shop !== shop || token.expires < Date.now()) {
      return {
        status: 401,
        json: { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" }
      }
    }
    if (rateLimit > 0) {
      rateLimit--
      return {
        status: 429,
        headers: { "retry-after": "1" },
        json: {
          errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
        }
      }
    }
    const { query, variables } = JSON.parse(request.body) as { query: string; variables: Record<string, unknown> }
    const cost = {
      requestedQueryCost: 52,
      actualQueryCost: 12,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1948, restoreRate: 100 }
    }
    if (throttle > 0) {
      throttle--
      return {
        status: 200,
        json: {
          errors: [
            {
              message: "Throttled",
              extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" }
            }
          ],
          extensions: { cost: { ...cost, throttleStatus: { ...cost.throttleStatus, currentlyAvailable: 0 } } }
        }
      }
    }
    if (query.includes("webhookSubscriptionCreate")) {
      const list = subscriptions.get(shop) ?? []
      const topic = String(variables["topic"])
      const uri = String(variables["uri"])
      if (list.some((s) => s.topic === topic && s.uri === uri)) {
        return {
          status: 200,
          json: {
            data: {
              webhookSubscriptionCreate: {
                webhookSubscription: null,
                userErrors: [
                  {
                    field: ["webhookSubscription", "callbackUrl"],
                    message: "Address for this topic has already been taken"
                  }
                ]
              }
            }
          }
        }
      }
      list.push({ topic, uri })
      subscriptions.set(shop, list)
      return {
        status: 200,
        json: {
          data: {
            webhookSubscriptionCreate: {
              webhookSubscription: { id: `gid://shopify/WebhookSubscription/${list.length}` },
              userErrors: []
            }
          },
          extensions: { cost }
        }
      }
    }
    if (query.includes("orders(")) {
      const first = Number(variables["first"] ?? 50)
      const after =
        typeof variables["after"] === "string" ? Number(Buffer.from(variables["after"], "base64").toString()) : 0
      const filter =
        typeof variables["query"] === "string" ? /updated_at:>='([^']+)'/.exec(variables["query"])?.[1] : undefined
      const since = filter === undefined ? -Infinity : Date.parse(filter)
      const matching = [...(orders.get(shop) ?? [])]
        .filter((o) => Date.parse(o.updatedAt) >= since)
        .sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt))
      const page = matching.slice(after, after + first)
      const end = after + page.length
      return {
        status: 200,
        json: {
          data: {
            orders: {
              pageInfo: {
                hasNextPage: end < matching.length,
                endCursor: page.length === 0 ? null : Buffer.from(String(end)).toString("base64")
              },
              nodes: page.map((o) => ({
                id: `gid://shopify/Order/${o.id}`,
                name: o.name,
                currencyCode: o.currency,
                updatedAt: o.updatedAt,
                cancelledAt: o.cancelledAt,
                displayFulfillmentStatus: o.fulfilled ? "FULFILLED" : "UNFULFILLED",
                displayFinancialStatus: "PAID",
                lineItems: {
                  nodes: o.lines.map((l) => ({
                    sku: l.sku,
                    currentQuantity: l.quantity,
                    originalUnitPriceSet: { shopMoney: { amount: l.price, currencyCode: o.currency } }
                  }))
                }
              }))
            }
          },
          extensions: { cost }
        }
      }
    }
    return {
      status: 200,
      json: { errors: [{ message: "Field doesn't exist", extensions: { code: "undefinedField" } }] }
    }
  }

  const server = await startFakeServer((request) => {
    const match = /^\/shops\/([^/]+)(\/.*)$/.exec(request.path)
    if (match === null) return { status: 404, text: "no such shop" }
    const shop = match[1]!
    const path = match[2]!
    if (request.method === "GET" && path === "/admin/oauth/authorize") return authorize(shop, request)
    if (request.method === "GET" && path === "/admin/oauth/consent") return consent(shop, request)
    if (request.method === "POST" && path === "/admin/oauth/access_token") return accessToken(shop, request)
    if (request.method === "POST" && /^\/admin\/api\/\d{4}-\d{2}\/graphql\.json$/.test(path))
      return graphql(shop, request)
    return { status: 404, json: { errors: "Not Found" } }
  })

  const tick = () => {
    clock += 1000
    return new Date(clock).toISOString()
  }

  const orderPayload = (o: FakeShopifyOrder) => ({
    // Shopify's ids exceed JavaScript numbers; the payload carries them as JSON numbers AND as the GraphQL id.
    id: Number(o.id),
    admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
    name: o.name,
    currency: o.currency,
    created_at: o.updatedAt,
    updated_at: o.updatedAt,
    cancelled_at: o.cancelledAt,
    financial_status: "paid",
    fulfillment_status: o.fulfilled ? "fulfilled" : null,
    line_items: o.lines.map((l, i) => ({
      id: i + 1,
      sku: l.sku,
      quantity: l.quantity,
      current_quantity: l.quantity,
      price: l.price,
      title: l.sku ?? "Custom item"
    }))
  })

  return {
    ...server,
    shopUrlTemplate: `${server.url}/shops/{shop}`,
    addOrder: (shop, order) => {
      const created: FakeShopifyOrder = {
        id: order.id,
        name: `#${1000 + (orders.get(shop)?.length ?? 0) + 1}`,
        currency: order.currency ?? "EUR",
        updatedAt: tick(),
        cancelledAt: null,
        fulfilled: false,
        lines: order.lines
      }
      orders.set(shop, [...(orders.get(shop) ?? []), created])
      return created
    },
    cancelOrder: (shop, id) => {
      const order = (orders.get(shop) ?? []).find((o) => o.id === id)
      if (order === undefined) throw new Error(`no order ${id}`)
      order.cancelledAt = tick()
      order.updatedAt = order.cancelledAt
      return order
    },
    fulfilOrder: (shop, id) => {
      const order = (orders.get(shop) ?? []).find((o) => o.id === id)
      if (order === undefined) throw new Error(`no order ${id}`)
      order.fulfilled = true
      order.updatedAt = tick()
      return order
    },
    orders: (shop) => orders.get(shop) ?? [],
    expireAccessTokens: () => {
      for (const token of accessTokens.values()) token.expires = 0
    },
    revokeRefreshTokens: () => refreshTokens.clear(),
    tokenRequests: (grant) => (grant === undefined ? grants.length : grants.filter((g) => g === grant).length),
    webhookSubscriptions: (shop) => subscriptions.get(shop) ?? [],
    throttleNext: (n) => {
      throttle = n
    },
    rateLimitNext: (n) => {
      rateLimit = n
    },
    webhook: (shop, topic, payload, opts = {}) => {
      const body = JSON.stringify(payload)
      const signature = createHmac("sha256", options.clientSecret).update(body, "utf8").digest("base64")
      return {
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": topic,
          "x-shopify-hmac-sha256": signature,
          "x-shopify-shop-domain": opts.shopHeader ?? shop,
          "x-shopify-webhook-id": opts.id ?? random("wh_"),
          "x-shopify-triggered-at": (opts.triggeredAt ?? new Date()).toISOString(),
          "x-shopify-api-version": "2026-10"
        },
        body: opts.tamper === true ? body.replace(/"quantity":(\d+)/, (_, q) => `"quantity":${Number(q) + 1}`) : body
      }
    },
    orderPayload
  }
}
