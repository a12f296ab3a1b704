/**
 * A fake G2A speaking the seed contract over real HTTP (seeds 000/001, docs/providers.md), so the real G2A adapter
 * is exercised end to end:
 *
 * - `GET {import}/token` with hash auth → `{access_token, token_type: "bearer", expires_in}`;
 *   live hash auth = `X-API-HASH`, `X-API-KEY`, `X-G2A-Timestamp`, `X-G2A-Hash` = sha256(hash + key + timestamp)
 *   (timestamp within 5 minutes); sandbox = `Authorization: "{hash}, {key}"`. Anything else → 401 AUTH01.
 * - `GET {import}/offers` with `Authorization: Bearer …` (an Import API call; revoked tokens → 401).
 * - `GET {export}/products?page&minQty&minPriceFrom&minPriceTo&id` → `{total, page, docs}` (hash auth).
 * - `POST {export}/order {product_id, currency, max_price}` → `{order_id, price, currency}`; out of stock → 400
 *   ORD02, above max_price → 400 ORD03, unknown product → 404 ORD01.
 * - Failure modes: queue any responses for a path (401, 429 with Retry-After, 5xx, hang, drop).
 * - A webhook sender that signs deliveries as the seed says (HMAC-SHA256 over payload + timestamp + nonce + hash).
 *
 * Its hash arithmetic is written independently of the adapter's, so a mistake in one is caught by the other.
 */
import { createHash, createHmac, randomUUID } from "node:crypto"
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from "./FakeServer.ts"

export interface FakeProduct {
  id: string
  name: string
  qty: number
  minPrice: number
  currency: string
  region?: string
  platform?: string
}

export interface FakeG2AOptions {
  readonly apiKey: string
  readonly apiHash: string
  readonly env: "sandbox" | "live"
  readonly expiresIn?: number | undefined
  readonly products?: ReadonlyArray<FakeProduct> | undefined
}

export interface FakeG2A {
  readonly url: string
  readonly server: FakeServer
  readonly products: Map<string, FakeProduct>
  readonly orders: Array<{ orderId: string; productId: string; price: number; currency: string }>
  /** Tokens issued so far. */
  readonly tokens: Array<string>
  /** Answers the next requests to a path (exact, e.g. `/v1/products`) with these responses first. */
  readonly failNext: (path: string, ...responses: Array<FakeResponse>) => void
  /** Makes every token issued so far invalid (G2A revoked them). */
  readonly revokeTokens: () => void
  /** Sets the expires_in of tokens issued from now on. */
  readonly setExpiresIn: (seconds: number) => void
  readonly close: () => Promise<void>
}

/** Signs a webhook as G2A does under the seed contract. */
export const signWebhook = (
  apiHash: string,
  body: string,
  options: { readonly timestamp?: number; readonly nonce?: string } = {}
) => {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
  const nonce = options.nonce ?? randomUUID()
  const signature = createHmac("sha256", apiHash)
    .update(body + timestamp + nonce + apiHash)
    .digest("hex")
  return {
    "x-g2a-signature": signature,
    "x-g2a-timestamp": timestamp,
    "x-g2a-nonce": nonce,
    "content-type": "application/json"
  }
}

const unauthorized: FakeResponse = { status: 401, json: { code: "AUTH01", message: "Invalid credentials" } }

export const startFakeG2A = async (options: FakeG2AOptions): Promise<FakeG2A> => {
  const products = new Map((options.products ?? []).map((p) => [p.id, { ...p }]))
  const orders: FakeG2A["orders"] = []
  const tokens: Array<string> = []
  const valid = new Set<string>()
  const queued = new Map<string, Array<FakeResponse>>()
  let expiresIn = options.expiresIn ?? 3600

  const hashAuthorized = (request: FakeRequest) => {
    if (options.env === "sandbox") return request.headers["authorization"] === `${options.apiHash}, ${options.apiKey}`
    const timestamp = String(request.headers["x-g2a-timestamp"] ?? "")
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false
    const expected = createHash("sha256").update(`${options.apiHash}${options.apiKey}${timestamp}`).digest("hex")
    return (
      request.headers["x-api-hash"] === options.apiHash &&
      request.headers["x-api-key"] === options.apiKey &&
      request.headers["x-g2a-hash"] === expected
    )
  }

  const importBase = options.env === "live" ? "/integration-api/v1" : "/v1"
  const exportBase = "/v1"

  const handle = (request: FakeRequest): FakeResponse => {
    const queue = queued.get(request.path)
    if (queue !== undefined && queue.length > 0) return queue.shift()!

    if (request.method === "GET" && request.path === `${importBase}/token`) {
      if (!hashAuthorized(request)) return unauthorized
      const token = `g2a_at_${tokens.length + 1}_${randomUUID()}`
      tokens.push(token)
      valid.add(token)
      return { status: 200, json: { access_token: token, token_type: "bearer", expires_in: expiresIn } }
    }
    if (request.method === "GET" && request.path === `${importBase}/offers`) {
      const bearer = /^Bearer (.+)$/.exec(String(request.headers["authorization"] ?? ""))
      if (bearer === null || !valid.has(bearer[1]!)) return unauthorized
      return { status: 200, json: { data: [], meta: { total: 0 } } }
    }
    if (request.method === "GET" && request.path === `${exportBase}/products`) {
      if (!hashAuthorized(request)) return unauthorized
      const q = request.query
      const page = Math.max(1, Number(q.get("page") ?? 1))
      let docs = [...products.values()]
      if (q.has("id")) docs = docs.filter((p) => p.id === q.get("id"))
      if (q.has("minQty")) docs = docs.filter((p) => p.qty >= Number(q.get("minQty")))
      if (q.has("minPriceFrom")) docs = docs.filter((p) => p.minPrice >= Number(q.get("minPriceFrom")))
      if (q.has("minPriceTo")) docs = docs.filter((p) => p.minPrice <= Number(q.get("minPriceTo")))
      const pageSize = 20
      return {
        status: 200,
        json: {
          total: docs.length,
          page,
          docs: docs.slice((page - 1) * pageSize, page * pageSize).map((p) => ({
            id: Number.isNaN(Number(p.id)) ? p.id : Number(p.id),
            name: p.name,
            slug: p.name.toLowerCase().replace(/\W+/g, "-"),
            qty: p.qty,
            minPrice: p.minPrice,
            retailMinPrice: p.minPrice * 1.2,
            currency: p.currency,
            region: p.region ?? "GLOBAL",
            platform: p.platform ?? "Steam",
            updated_at: "2026-11-01 10:00:00"
          }))
        }
      }
    }
    if (request.method === "POST" && request.path === `${exportBase}/order`) {
      if (!hashAuthorized(request)) return unauthorized
      let body: { product_id?: unknown; currency?: unknown; max_price?: unknown }
      try {
        body = JSON.parse(request.body)
      } catch {
        return { status: 400, json: { code: "ORD00", message: "Invalid JSON" } }
      }
      const product = products.get(String(body.product_id))
      if (product === undefined) return { status: 404, json: { code: "ORD01", message: "Product not found" } }
      if (product.qty < 1) return { status: 400, json: { code: "ORD02", message: "Product out of stock" } }
      if (typeof body.max_price === "number" && product.minPrice > body.max_price) {
        return { status: 400, json: { code: "ORD03", message: "Price exceeds max_price" } }
      }
      product.qty -= 1
      const order = {
        orderId: String(1_000_000 + orders.length + 1),
        productId: product.id,
        price: product.minPrice,
        currency: String(body.currency ?? product.currency)
      }
      orders.push(order)
      return { status: 200, json: { order_id: order.orderId, price: order.price, currency: order.currency } }
    }
    return { status: 404, json: { code: "NOT_FOUND", message: "Unknown endpoint" } }
  }

  const server = await startFakeServer(handle)
  return {
    url: server.url,
    server,
    products,
    orders,
    tokens,
    failNext: (path, ...responses) => queued.set(path, [...(queued.get(path) ?? []), ...responses]),
    revokeTokens: () => valid.clear(),
    setExpiresIn: (seconds) => {
      expiresIn = seconds
    },
    close: server.close
  }
}
