/**
 * Contract of the G2A marketplace endpoints (the deployment's G2A account): product list/query and detail with
 * price and stock, a price/stock check against the caller's expectation, and order creation (admins,
 * Idempotency-Key required: an order buys something).
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Purchase } from "../../core/marketplace/Purchase.ts"
import { Authenticated } from "./Authentication.ts"
import { Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

const Price = Schema.Number.pipe(
  Schema.check(Schema.isFinite(), Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000_000))
)
const PriceFromString = Schema.NumberFromString.pipe(
  Schema.check(Schema.isFinite(), Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000_000))
)
const ProductId = Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/)))
const Count = (max: number) =>
  Schema.NumberFromString.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: max })))

export class G2AProductView extends Schema.Class<G2AProductView>("G2AProduct")({
  id: Schema.String,
  name: Schema.String,
  price: Schema.Number,
  retailPrice: Schema.NullOr(Schema.Number),
  currency: Schema.String,
  stock: Schema.Int,
  region: Schema.NullOr(Schema.String),
  platform: Schema.NullOr(Schema.String),
  updatedAt: Schema.NullOr(Schema.String)
}) {}

export const G2AOrderPayload = Schema.Struct({
  productId: ProductId,
  maxPrice: Price,
  currency: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{3}$/))),
  expectedPrice: Schema.optionalKey(Price)
})

/** What a G2A call can end in (one mapping serves every endpoint; see G2AHandlers.g2aProblem). */
const G2AProblems = [NotFound, Conflict, Unprocessable, ServiceUnavailable] as const

const IdempotencyKey = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(255)))

export class G2AGroup extends HttpApiGroup.make("g2a")
  .add(
    HttpApiEndpoint.get("products", "/api/v1/g2a/products", {
      query: {
        page: Schema.optionalKey(Count(10_000)),
        minQty: Schema.optionalKey(Count(1_000_000)),
        minPriceFrom: Schema.optionalKey(PriceFromString),
        minPriceTo: Schema.optionalKey(PriceFromString)
      },
      success: Schema.Struct({ total: Schema.Int, page: Schema.Int, products: Schema.Array(G2AProductView) }),
      error: G2AProblems
    }).annotate(
      OpenApi.Description,
      "G2A products (lowest offer price and stock), filtered and paged as G2A pages them."
    ),
    HttpApiEndpoint.get("product", "/api/v1/g2a/products/:id", {
      params: { id: ProductId },
      success: G2AProductView,
      error: G2AProblems
    }),
    HttpApiEndpoint.get("checkOffer", "/api/v1/g2a/products/:id/offer", {
      params: { id: ProductId },
      query: { price: Schema.optionalKey(PriceFromString), quantity: Schema.optionalKey(Count(1_000_000)) },
      success: G2AProductView,
      error: G2AProblems
    }).annotate(
      OpenApi.Description,
      "Price and stock check: 200 when G2A's current offer matches `price` (to the cent) and has `quantity` in stock; 409 `price_changed` or `out_of_stock` with the current values otherwise."
    ),
    HttpApiEndpoint.post("order", "/api/v1/g2a/orders", {
      headers: { "idempotency-key": IdempotencyKey },
      payload: G2AOrderPayload,
      success: Purchase.pipe(HttpApiSchema.status(201)),
      error: [Forbidden, ...G2AProblems]
    }).annotate(
      OpenApi.Description,
      "Create a G2A order (admins). G2A refuses it above `maxPrice`; with `expectedPrice`, any other current price is 409 `price_changed`. The Idempotency-Key is required: a replay returns the first answer, and an order whose outcome G2A left unknown is 409 `g2a_order_outcome_unknown` (check G2A before retrying with a new key). The purchase is recorded as `pending`; G2A's order.status webhooks move it on."
    ),
    HttpApiEndpoint.get("orders", "/api/v1/g2a/orders", {
      query: { limit: Schema.optionalKey(Count(200)) },
      success: Schema.Struct({ orders: Schema.Array(Purchase) }),
      error: ServiceUnavailable
    }).annotate(
      OpenApi.Description,
      "The organisation's G2A purchases, newest first, with the status G2A last reported."
    )
  )
  .middleware(Authenticated) {}
