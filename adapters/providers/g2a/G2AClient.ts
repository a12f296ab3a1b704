/**
 * The G2A client (seeds 000 T03–T06, 001 FR-001a/b, FR-002, NFR-004/007): one module for every G2A call, all of
 * them through the shared ProviderClient (G2A's own timeout and retry bounds, jitter, Retry-After, circuit
 * breaker, a log line and metrics per attempt with secrets masked).
 *
 * Authentication, per the seed contract:
 * - Import API: `Authorization: Bearer {access_token}`, the token fetched by `GET {import}/token` with hash auth,
 *   cached under `g2a:token:{env}:{credential fingerprint}` (so rotated credentials never read the old token) for its
 *   lifetime less 5 minutes, refreshed single-flight across processes by the TokenManager, fetched on demand when
 *   Redis is down, and refreshed once on a 401.
 * - Export API (live): `X-API-HASH`, `X-API-KEY`, `X-G2A-Timestamp` (unix seconds) and
 *   `X-G2A-Hash` = hex SHA-256(G2A_API_HASH + G2A_API_KEY + timestamp). Sandbox: `Authorization: "{hash}, {key}"`.
 *
 * Operations: product list/query and detail (price, stock), price and stock checks against the caller's
 * expectation, and order creation (`POST /order {product_id, currency, max_price}` — never retried after an
 * attempt that may have reached G2A, so one call never buys twice).
 */
import { Context, DateTime, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpClientRequest, type HttpClientResponse } from "effect/http"
import { createHash } from "node:crypto"
import type { LockTimeout } from "../../../core/connections/ports/DistributedLock.ts"
import { TokenManager, TokenRejected, type TokenSource } from "../../../core/connections/TokenManager.ts"
import { expiryFrom } from "../../../core/connections/TokenLifecycle.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import type { ProviderError } from "../shared/ProviderError.ts"
import type { G2ASettings } from "./G2AConfig.ts"

// ---------------------------------------------------------------------------------------------------------------
// Contracts (what G2A sends and receives) and our models

const TokenResponse = Schema.Struct({
  access_token: Schema.String.check(Schema.isMinLength(1)),
  token_type: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Unknown)
})

const ProductDoc = Schema.Struct({
  id: Schema.Union([Schema.String, Schema.Number]),
  name: Schema.String,
  slug: Schema.optional(Schema.NullOr(Schema.String)),
  qty: Schema.Number,
  minPrice: Schema.Number,
  retailMinPrice: Schema.optional(Schema.NullOr(Schema.Number)),
  currency: Schema.optional(Schema.String),
  region: Schema.optional(Schema.NullOr(Schema.String)),
  platform: Schema.optional(Schema.NullOr(Schema.String)),
  updated_at: Schema.optional(Schema.NullOr(Schema.String))
})

const ProductPage = Schema.Struct({
  total: Schema.Number,
  page: Schema.Number,
  docs: Schema.Array(ProductDoc)
})

const OrderResponse = Schema.Struct({
  order_id: Schema.Union([Schema.String.check(Schema.isPattern(/^[\w.:-]{1,255}$/)), Schema.Number]),
  price: Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0)),
  currency: Schema.String.check(Schema.isPattern(/^[A-Za-z]{3}$/))
})

export interface G2AProduct {
  readonly id: string
  readonly name: string
  readonly slug: string | undefined
  /** The lowest offer price, in `currency`. */
  readonly price: number
  readonly retailPrice: number | undefined
  readonly currency: string
  readonly stock: number
  readonly region: string | undefined
  readonly platform: string | undefined
  readonly updatedAt: string | undefined
}

export interface G2AProductPage {
  readonly total: number
  readonly page: number
  readonly products: ReadonlyArray<G2AProduct>
}

export interface G2AOrder {
  readonly orderId: string
  readonly productId: string
  readonly price: number
  readonly currency: string
  /** G2A charged within `maxPrice` and in the requested currency (it should never do otherwise; if it did, the order still exists). */
  readonly withinLimit: boolean
}

export interface ProductQuery {
  readonly page?: number | undefined
  readonly minQty?: number | undefined
  readonly minPriceFrom?: number | undefined
  readonly minPriceTo?: number | undefined
  readonly id?: string | undefined
}

export interface OrderRequest {
  readonly productId: string
  /** The most we agree to pay; G2A refuses the order above it. */
  readonly maxPrice: number
  readonly currency: string
  /** The price the caller saw: a different current price is reported as price_changed, not silently accepted. */
  readonly expectedPrice?: number | undefined
}

export const G2AFailure = Schema.Literals([
  "validation", // our request is invalid (caught before calling, or refused by G2A)
  "not_found",
  "out_of_stock",
  "price_changed",
  "auth", // G2A refused our credentials
  "rate_limited",
  "unavailable", // timeouts, 5xx, network, circuit open
  "unknown", // an answer outside the contract
  "outcome_unknown", // an order request may or may not have been processed (timeout, 5xx, garbled answer)
  "not_configured" // G2A credentials are not set in this deployment
])
export type G2AFailure = typeof G2AFailure.Type

export class G2AError extends Schema.TaggedError<G2AError>()("G2AError", {
  kind: G2AFailure,
  message: Schema.String,
  retryAfterSeconds: Schema.optional(Schema.Number),
  /** G2A's own error code when it gave one (e.g. BR03). */
  code: Schema.optional(Schema.String),
  current: Schema.optional(Schema.Struct({ price: Schema.Number, stock: Schema.Number, currency: Schema.String }))
}) {}

// ---------------------------------------------------------------------------------------------------------------
// Pure pieces: hash auth, mapping, validation

/** hex SHA-256(apiHash + apiKey + timestamp): the Export API's `X-G2A-Hash` and the token request's proof. */
export const authHash = (apiHash: Redacted.Redacted<string>, apiKey: Redacted.Redacted<string>, timestamp: string) =>
  createHash("sha256").update(Redacted.value(apiHash) + Redacted.value(apiKey) + timestamp).digest("hex")

export const hashAuthHeaders = (settings: Pick<G2ASettings, "env" | "apiHash" | "apiKey">, nowSeconds: number): Record<string, string> => {
  if (settings.env === "sandbox") return { authorization: `${Redacted.value(settings.apiHash)}, ${Redacted.value(settings.apiKey)}` }
  const timestamp = String(nowSeconds)
  return {
    "x-api-hash": Redacted.value(settings.apiHash),
    "x-api-key": Redacted.value(settings.apiKey),
    "x-g2a-timestamp": timestamp,
    "x-g2a-hash": authHash(settings.apiHash, settings.apiKey, timestamp)
  }
}

export const toProduct = (doc: typeof ProductDoc.Type): G2AProduct => ({
  id: String(doc.id),
  name: doc.name,
  slug: doc.slug ?? undefined,
  price: doc.minPrice,
  retailPrice: doc.retailMinPrice ?? undefined,
  currency: doc.currency ?? "EUR",
  stock: Math.max(0, Math.floor(doc.qty)),
  region: doc.region ?? undefined,
  platform: doc.platform ?? undefined,
  updatedAt: doc.updated_at ?? undefined
})

const CURRENCY = /^[A-Z]{3}$/
const PRODUCT_ID = /^[A-Za-z0-9_-]{1,64}$/

const invalid = (message: string) => new G2AError({ kind: "validation", message })

export const validateOrder = (order: OrderRequest): G2AError | undefined => {
  if (!PRODUCT_ID.test(order.productId)) return invalid("productId must be 1–64 characters of letters, digits, _ or -")
  if (!CURRENCY.test(order.currency)) return invalid("currency must be an ISO 4217 code such as EUR")
  if (!Number.isFinite(order.maxPrice) || order.maxPrice <= 0) return invalid("maxPrice must be a positive amount")
  if (order.expectedPrice !== undefined && (!Number.isFinite(order.expectedPrice) || order.expectedPrice <= 0)) {
    return invalid("expectedPrice must be a positive amount")
  }
  if (order.expectedPrice !== undefined && order.expectedPrice > order.maxPrice) return invalid("expectedPrice exceeds maxPrice")
  return undefined
}

/** Compares the current offer with what the caller expects; prices compare to the cent. */
export const checkOffer = (
  product: G2AProduct,
  expectation: { readonly price?: number | undefined; readonly maxPrice?: number | undefined; readonly quantity?: number | undefined; readonly currency?: string | undefined }
) => {
  const current = { price: product.price, stock: product.stock, currency: product.currency }
  if (expectation.currency !== undefined && expectation.currency !== product.currency) {
    return new G2AError({ kind: "validation", message: `G2A prices product ${product.id} in ${product.currency}, not ${expectation.currency}`, current })
  }
  const quantity = expectation.quantity ?? 1
  if (product.stock < quantity) {
    return new G2AError({ kind: "out_of_stock", message: `product ${product.id} has ${product.stock} in stock, ${quantity} needed`, current })
  }
  const cents = (n: number) => Math.round(n * 100)
  if (expectation.price !== undefined && cents(product.price) !== cents(expectation.price)) {
    return new G2AError({ kind: "price_changed", message: `product ${product.id} costs ${product.price} ${product.currency}, expected ${expectation.price}`, current })
  }
  if (expectation.maxPrice !== undefined && cents(product.price) > cents(expectation.maxPrice)) {
    return new G2AError({ kind: "price_changed", message: `product ${product.id} costs ${product.price} ${product.currency}, above maxPrice ${expectation.maxPrice}`, current })
  }
  return undefined
}

/** A provider failure in G2A's taxonomy. */
export const fromProviderError = (e: ProviderError): G2AError => {
  const code = e.detail
  switch (e.reason) {
    case "Unauthorized":
      return new G2AError({ kind: "auth", message: "G2A refused the credentials", code })
    case "RateLimited":
      return new G2AError({ kind: "rate_limited", message: "G2A is throttling requests", retryAfterSeconds: e.retryAfterSeconds, code })
    case "Timeout":
    case "Unavailable":
    case "CircuitOpen":
      return new G2AError({ kind: "unavailable", message: `G2A unavailable (${e.reason})`, retryAfterSeconds: e.retryAfterSeconds })
    case "Decode":
      return new G2AError({ kind: "unknown", message: "G2A answered outside its contract" })
    case "Rejected":
      return e.status === 403
        ? new G2AError({ kind: "auth", message: "G2A refused access for these credentials", code })
        : e.status === 404
        ? new G2AError({ kind: "not_found", message: "G2A does not know this resource", code })
        : e.status === 400 || e.status === 409 || e.status === 422
        ? new G2AError({ kind: "validation", message: `G2A refused the request${code === undefined ? "" : ` (${code})`}`, code })
        : new G2AError({ kind: "unknown", message: `G2A answered ${e.status ?? "?"}`, code })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The service

export class G2AClient extends Context.Service<G2AClient, {
  readonly settings: Pick<G2ASettings, "env" | "importUrl" | "exportUrl">
  /**
   * The deployment's G2A account as a webhook sender: a stable id (UUID-shaped, from the environment and the
   * credentials; deliveries are deduplicated per account) and the hash its webhooks are signed with. None when
   * G2A is not configured.
   */
  readonly account: Option.Option<{ readonly id: string; readonly webhookSecrets: ReadonlyArray<Redacted.Redacted<string>> }>
  /** The Import API bearer token (cached, single-flight). */
  readonly token: Effect.Effect<Redacted.Redacted<string>, G2AError>
  /** Drops the cached token everywhere (credential rotation). */
  readonly invalidateToken: Effect.Effect<void>
  readonly listProducts: (query: ProductQuery) => Effect.Effect<G2AProductPage, G2AError>
  readonly getProduct: (id: string) => Effect.Effect<G2AProduct, G2AError>
  /** Current price and stock compared with the caller's expectation. */
  readonly checkOffer: (id: string, expectation: { readonly price?: number | undefined; readonly quantity?: number | undefined }) => Effect.Effect<G2AProduct, G2AError>
  /** Checks the current offer against the request, then places the order (`placeOrder`). */
  readonly createOrder: (order: OrderRequest) => Effect.Effect<G2AOrder, G2AError>
  /**
   * Only the irreversible part: validates and sends `POST /order` once. A timeout, 5xx or garbled answer is
   * `outcome_unknown` (the order may exist); any other failure means G2A did not create it.
   */
  readonly placeOrder: (order: OrderRequest) => Effect.Effect<G2AOrder, G2AError>
  /**
   * A call to the Import API with the bearer token, refreshed once if G2A answers 401 (offers, jobs, reservations
   * and price simulations build on it).
   */
  readonly importApi: <A>(
    build: (base: string) => HttpClientRequest.HttpClientRequest,
    operation: string,
    decode: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, G2AError>
  ) => Effect.Effect<A, G2AError>
}>()("tradeport/adapters/providers/g2a/G2AClient") {
  static readonly layer = (settings: G2ASettings) =>
    Layer.effect(
      G2AClient,
      Effect.gen(function*() {
        const client = yield* ProviderClient
        const manager = yield* TokenManager
        const call = { provider: "g2a", timeout: settings.timeout, retries: settings.retries }
        // Both credentials in the key: rotating either never serves a token obtained with the old pair.
        const fingerprint = createHash("sha256").update(`${Redacted.value(settings.apiKey)}\u0000${Redacted.value(settings.apiHash)}`).digest("hex").slice(0, 12)
        const cacheKey = `g2a:token:${settings.env}:${fingerprint}`
        const nowSeconds = Effect.clockWith((clock) => clock.currentTimeMillis).pipe(Effect.map((ms) => Math.floor(ms / 1000)))

        const json = <S extends Schema.Top>(schema: S, response: HttpClientResponse.HttpClientResponse) =>
          response.json.pipe(
            Effect.flatMap(Schema.decodeUnknownEffect(schema)),
            Effect.mapError(() => new G2AError({ kind: "unknown", message: "G2A answered outside its contract" }))
          ) as Effect.Effect<S["Type"], G2AError, S["DecodingServices"]>

        const fetchToken = Effect.gen(function*() {
          const request = HttpClientRequest.get(`${settings.importUrl}/token`).pipe(
            HttpClientRequest.setHeaders(hashAuthHeaders(settings, yield* nowSeconds)),
            HttpClientRequest.acceptJson
          )
          const response = yield* client.execute(request, { ...call, operation: "/token" }).pipe(Effect.mapError(fromProviderError))
          const body = yield* json(TokenResponse, response)
          return { token: Redacted.make(body.access_token), expiresAt: expiryFrom(body.expires_in, yield* DateTime.now) }
        }).pipe(Effect.withSpan("G2A.token"))

        const source: TokenSource<G2AError> = { cacheKey, lockKey: cacheKey, stored: Effect.succeedNone, refresh: fetchToken }
        const lockTimeout = <A, E, R>(self: Effect.Effect<A, E | LockTimeout, R>) =>
          self.pipe(Effect.catchTag("LockTimeout", () => Effect.fail(new G2AError({ kind: "unavailable", message: "G2A token refresh is taking too long" }))))

        const exportGet = (path: string, params: Record<string, string>, operation: string) =>
          Effect.gen(function*() {
            const request = HttpClientRequest.get(`${settings.exportUrl}${path}`).pipe(
              HttpClientRequest.setUrlParams(params),
              HttpClientRequest.setHeaders(hashAuthHeaders(settings, yield* nowSeconds)),
              HttpClientRequest.acceptJson
            )
            return yield* client.execute(request, { ...call, operation }).pipe(Effect.mapError(fromProviderError))
          })

        const listProducts = Effect.fn("G2A.listProducts")(function*(query: ProductQuery) {
          const params: Record<string, string> = { page: String(query.page ?? 1) }
          if (query.minQty !== undefined) params["minQty"] = String(query.minQty)
          if (query.minPriceFrom !== undefined) params["minPriceFrom"] = String(query.minPriceFrom)
          if (query.minPriceTo !== undefined) params["minPriceTo"] = String(query.minPriceTo)
          if (query.id !== undefined) params["id"] = query.id
          const page = yield* json(ProductPage, yield* exportGet("/products", params, "/products"))
          return { total: page.total, page: page.page, products: page.docs.map(toProduct) }
        })

        const getProduct = Effect.fn("G2A.getProduct")(function*(id: string) {
          if (!PRODUCT_ID.test(id)) return yield* invalid("product id must be 1–64 characters of letters, digits, _ or -")
          const page = yield* listProducts({ id })
          const product = page.products.find((p) => p.id === id)
          if (product === undefined) return yield* new G2AError({ kind: "not_found", message: `G2A has no product ${id}` })
          return product
        })

        const checkOfferOf = Effect.fn("G2A.checkOffer")(function*(id: string, expectation: { readonly price?: number | undefined; readonly quantity?: number | undefined }) {
          const product = yield* getProduct(id)
          const mismatch = checkOffer(product, expectation)
          if (mismatch !== undefined) return yield* mismatch
          return product
        })

        const placeOrder = Effect.fn("G2A.placeOrder")(function*(order: OrderRequest) {
          const problem = validateOrder(order)
          if (problem !== undefined) return yield* problem
          const request = HttpClientRequest.post(`${settings.exportUrl}/order`).pipe(
            HttpClientRequest.setHeaders(hashAuthHeaders(settings, yield* nowSeconds)),
            HttpClientRequest.bodyJsonUnsafe({ product_id: order.productId, currency: order.currency, max_price: order.maxPrice }),
            HttpClientRequest.acceptJson
          )
          // Creating an order is not idempotent: after a timeout or 5xx it may exist; never send it twice, and say
          // that the outcome is unknown rather than "failed" (a caller retrying blindly would buy twice).
          const uncertain = () =>
            new G2AError({ kind: "outcome_unknown", message: `G2A may or may not have created an order for product ${order.productId}; check before retrying` })
          const response = yield* client.execute(request, { ...call, operation: "/order", idempotent: false }).pipe(
            Effect.mapError((e) => (e.reason === "Timeout" || e.reason === "Unavailable" ? uncertain() : fromProviderError(e)))
          )
          const created = yield* json(OrderResponse, response).pipe(Effect.mapError(uncertain))
          const currency = created.currency.toUpperCase()
          return {
            orderId: String(created.order_id),
            productId: order.productId,
            price: created.price,
            currency,
            withinLimit: currency === order.currency && Math.round(created.price * 100) <= Math.round(order.maxPrice * 100)
          }
        })

        const createOrder = Effect.fn("G2A.createOrder")(function*(order: OrderRequest) {
          const problem = validateOrder(order)
          if (problem !== undefined) return yield* problem
          const product = yield* getProduct(order.productId)
          const mismatch = checkOffer(product, { price: order.expectedPrice, maxPrice: order.maxPrice, currency: order.currency })
          if (mismatch !== undefined) return yield* mismatch
          return yield* placeOrder(order)
        })

        const importApi = <A>(
          build: (base: string) => HttpClientRequest.HttpClientRequest,
          operation: string,
          decode: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, G2AError>
        ) =>
          manager.withToken<A, G2AError, never, G2AError, never>(source, (token) =>
            client.execute(HttpClientRequest.bearerToken(build(settings.importUrl), Redacted.value(token)), { ...call, operation }).pipe(
              Effect.catchTag("ProviderError", (e): Effect.Effect<never, G2AError | TokenRejected> =>
                e.reason === "Unauthorized" ? Effect.fail(new TokenRejected()) : Effect.fail(fromProviderError(e))),
              Effect.flatMap(decode)
            )).pipe(
              lockTimeout,
              Effect.catchTag("TokenStillRejected", () => Effect.fail(new G2AError({ kind: "auth", message: "G2A refused a freshly issued token" })))
            )

        return G2AClient.of({
          settings: { env: settings.env, importUrl: settings.importUrl, exportUrl: settings.exportUrl },
          account: Option.some({ id: accountId(settings), webhookSecrets: [settings.apiHash] }),
          token: manager.get(source).pipe(lockTimeout),
          invalidateToken: manager.invalidate(cacheKey),
          listProducts,
          getProduct,
          checkOffer: checkOfferOf,
          createOrder,
          placeOrder,
          importApi
        })
      })
    )
}

/** A UUID-shaped id for the deployment's G2A account: stable across restarts and instances, new with new credentials. */
export const accountId = (settings: Pick<G2ASettings, "env" | "apiKey">) => {
  const hex = createHash("sha256").update(`g2a-account\u0000${settings.env}\u0000${Redacted.value(settings.apiKey)}`).digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** How long a G2A token probe may take before readiness calls it down. */
export const PROBE_TIMEOUT = Duration.seconds(10)

const notConfigured = new G2AError({ kind: "not_configured", message: "G2A is not configured in this deployment (G2A_API_KEY is not set)" })

/** The client of a deployment without G2A credentials: every operation says so. */
export const disabled = Layer.succeed(
  G2AClient,
  G2AClient.of({
    settings: { env: "sandbox", importUrl: "", exportUrl: "" },
    account: Option.none(),
    token: Effect.fail(notConfigured),
    invalidateToken: Effect.void,
    listProducts: () => Effect.fail(notConfigured),
    getProduct: () => Effect.fail(notConfigured),
    checkOffer: () => Effect.fail(notConfigured),
    createOrder: () => Effect.fail(notConfigured),
    placeOrder: () => Effect.fail(notConfigured),
    importApi: () => Effect.fail(notConfigured)
  })
)
