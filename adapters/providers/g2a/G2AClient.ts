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
import type { G2ASettings } from "./G2AConfig.ts"
import {
  checkOffer,
  fromProviderError,
  G2AError,
  type G2AOrder,
  type G2AProduct,
  type G2AProductPage,
  hashAuthHeaders,
  invalid,
  type OrderRequest,
  OrderResponse,
  PRODUCT_ID,
  ProductPage,
  type ProductQuery,
  toProduct,
  TokenResponse,
  validateOrder
} from "./G2AContract.ts"

// ---------------------------------------------------------------------------------------------------------------
// The service

export class G2AClient extends Context.Service<
  G2AClient,
  {
    readonly settings: Pick<G2ASettings, "env" | "importUrl" | "exportUrl">
    /**
     * The deployment's G2A account as a webhook sender: a stable id (UUID-shaped, from the environment and the
     * credentials; deliveries are deduplicated per account) and the hash its webhooks are signed with. None when
     * G2A is not configured.
     */
    readonly account: Option.Option<{
      readonly id: string
      readonly webhookSecrets: ReadonlyArray<Redacted.Redacted<string>>
    }>
    /** The Import API bearer token (cached, single-flight). */
    readonly token: Effect.Effect<Redacted.Redacted<string>, G2AError>
    /** Drops the cached token everywhere (credential rotation). */
    readonly invalidateToken: Effect.Effect<void>
    readonly listProducts: (query: ProductQuery) => Effect.Effect<G2AProductPage, G2AError>
    readonly getProduct: (id: string) => Effect.Effect<G2AProduct, G2AError>
    /** Current price and stock compared with the caller's expectation. */
    readonly checkOffer: (
      id: string,
      expectation: { readonly price?: number | undefined; readonly quantity?: number | undefined }
    ) => Effect.Effect<G2AProduct, G2AError>
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
  }
>()("tradeport/adapters/providers/g2a/G2AClient") {
  static readonly layer = (settings: G2ASettings) =>
    Layer.effect(
      G2AClient,
      Effect.gen(function* () {
        const client = yield* ProviderClient
        const manager = yield* TokenManager
        const call = { provider: "g2a", timeout: settings.timeout, retries: settings.retries }
        // Both credentials in the key: rotating either never serves a token obtained with the old pair.
        const fingerprint = createHash("sha256")
          .update(`${Redacted.value(settings.apiKey)}\u0000${Redacted.value(settings.apiHash)}`)
          .digest("hex")
          .slice(0, 12)
        const cacheKey = `g2a:token:${settings.env}:${fingerprint}`
        const nowSeconds = Effect.clockWith((clock) => clock.currentTimeMillis).pipe(
          Effect.map((ms) => Math.floor(ms / 1000))
        )

        const json = <S extends Schema.Top>(schema: S, response: HttpClientResponse.HttpClientResponse) =>
          response.json.pipe(
            Effect.flatMap(Schema.decodeUnknownEffect(schema)),
            Effect.mapError(() => new G2AError({ kind: "unknown", message: "G2A answered outside its contract" }))
          ) as Effect.Effect<S["Type"], G2AError, S["DecodingServices"]>

        const fetchToken = Effect.gen(function* () {
          const request = HttpClientRequest.get(`${settings.importUrl}/token`).pipe(
            HttpClientRequest.setHeaders(hashAuthHeaders(settings, yield* nowSeconds)),
            HttpClientRequest.acceptJson
          )
          const response = yield* client
            .execute(request, { ...call, operation: "/token" })
            .pipe(Effect.mapError(fromProviderError))
          const body = yield* json(TokenResponse, response)
          return {
            token: Redacted.make(body.access_token),
            expiresAt: expiryFrom(body.expires_in, yield* DateTime.now)
          }
        }).pipe(Effect.withSpan("G2A.token"))

        const source: TokenSource<G2AError> = {
          cacheKey,
          lockKey: cacheKey,
          stored: Effect.succeedNone,
          refresh: fetchToken
        }
        const lockTimeout = <A, E, R>(self: Effect.Effect<A, E | LockTimeout, R>) =>
          self.pipe(
            Effect.catchTag("LockTimeout", () =>
              Effect.fail(new G2AError({ kind: "unavailable", message: "G2A token refresh is taking too long" }))
            )
          )

        const exportGet = (path: string, params: Record<string, string>, operation: string) =>
          Effect.gen(function* () {
            const request = HttpClientRequest.get(`${settings.exportUrl}${path}`).pipe(
              HttpClientRequest.setUrlParams(params),
              HttpClientRequest.setHeaders(hashAuthHeaders(settings, yield* nowSeconds)),
              HttpClientRequest.acceptJson
            )
            return yield* client.execute(request, { ...call, operation }).pipe(Effect.mapError(fromProviderError))
          })

        const listProducts = Effect.fn("G2A.listProducts")(function* (query: ProductQuery) {
          const params: Record<string, string> = { page: String(query.page ?? 1) }
          if (query.minQty !== undefined) params["minQty"] = String(query.minQty)
          if (query.minPriceFrom !== undefined) params["minPriceFrom"] = String(query.minPriceFrom)
          if (query.minPriceTo !== undefined) params["minPriceTo"] = String(query.minPriceTo)
          if (query.id !== undefined) params["id"] = query.id
          const page = yield* json(ProductPage, yield* exportGet("/products", params, "/products"))
          return { total: page.total, page: page.page, products: page.docs.map(toProduct) }
        })

        const getProduct = Effect.fn("G2A.getProduct")(function* (id: string) {
          if (!PRODUCT_ID.test(id))
            return yield* invalid("product id must be 1–64 characters of letters, digits, _ or -")
          const page = yield* listProducts({ id })
          const product = page.products.find((p) => p.id === id)
          if (product === undefined)
            return yield* new G2AError({ kind: "not_found", message: `G2A has no product ${id}` })
          return product
        })

        const checkOfferOf = Effect.fn("G2A.checkOffer")(function* (
          id: string,
          expectation: { readonly price?: number | undefined; readonly quantity?: number | undefined }
        ) {
          const product = yield* getProduct(id)
          const mismatch = checkOffer(product, expectation)
          if (mismatch !== undefined) return yield* mismatch
          return product
        })

        const placeOrder = Effect.fn("G2A.placeOrder")(function* (order: OrderRequest) {
          const problem = validateOrder(order)
          if (problem !== undefined) return yield* problem
          const request = HttpClientRequest.post(`${settings.exportUrl}/order`).pipe(
            HttpClientRequest.setHeaders(hashAuthHeaders(settings, yield* nowSeconds)),
            HttpClientRequest.bodyJsonUnsafe({
              product_id: order.productId,
              currency: order.currency,
              max_price: order.maxPrice
            }),
            HttpClientRequest.acceptJson
          )
          // Creating an order is not idempotent: after a timeout or 5xx it may exist; never send it twice, and say
          // that the outcome is unknown rather than "failed" (a caller retrying blindly would buy twice).
          const uncertain = () =>
            new G2AError({
              kind: "outcome_unknown",
              message: `G2A may or may not have created an order for product ${order.productId}; check before retrying`
            })
          const response = yield* client
            .execute(request, { ...call, operation: "/order", idempotent: false })
            .pipe(
              Effect.mapError((e) =>
                e.reason === "Timeout" || e.reason === "Unavailable" ? uncertain() : fromProviderError(e)
              )
            )
          const created = yield* json(OrderResponse, response).pipe(Effect.mapError(uncertain))
          const currency = created.currency.toUpperCase()
          return {
            orderId: String(created.order_id),
            productId: order.productId,
            price: created.price,
            currency,
            withinLimit:
              currency === order.currency && Math.round(created.price * 100) <= Math.round(order.maxPrice * 100)
          }
        })

        const createOrder = Effect.fn("G2A.createOrder")(function* (order: OrderRequest) {
          const problem = validateOrder(order)
          if (problem !== undefined) return yield* problem
          const product = yield* getProduct(order.productId)
          const mismatch = checkOffer(product, {
            price: order.expectedPrice,
            maxPrice: order.maxPrice,
            currency: order.currency
          })
          if (mismatch !== undefined) return yield* mismatch
          return yield* placeOrder(order)
        })

        const importApi = <A>(
          build: (base: string) => HttpClientRequest.HttpClientRequest,
          operation: string,
          decode: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, G2AError>
        ) =>
          manager
            .withToken<A, G2AError, never, G2AError, never>(source, (token) =>
              client
                .execute(HttpClientRequest.bearerToken(build(settings.importUrl), Redacted.value(token)), {
                  ...call,
                  operation
                })
                .pipe(
                  Effect.catchTag(
                    "ProviderError",
                    (e): Effect.Effect<never, G2AError | TokenRejected> =>
                      e.reason === "Unauthorized" ? Effect.fail(new TokenRejected()) : Effect.fail(fromProviderError(e))
                  ),
                  Effect.flatMap(decode)
                )
            )
            .pipe(
              lockTimeout,
              Effect.catchTag("TokenStillRejected", () =>
                Effect.fail(new G2AError({ kind: "auth", message: "G2A refused a freshly issued token" }))
              )
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
  const hex = createHash("sha256")
    .update(`g2a-account\u0000${settings.env}\u0000${Redacted.value(settings.apiKey)}`)
    .digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** How long a G2A token probe may take before readiness calls it down. */
export const PROBE_TIMEOUT = Duration.seconds(10)

const notConfigured = new G2AError({
  kind: "not_configured",
  message: "G2A is not configured in this deployment (G2A_API_KEY is not set)"
})

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
