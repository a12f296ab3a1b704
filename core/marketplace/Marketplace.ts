/**
 * The marketplace we buy from (G2A), in the core's terms: products with their lowest offer, orders, and the one
 * error family every marketplace operation ends in (`kind` says what went wrong). `checkOffer` is the pure rule
 * comparing a live offer with what the buyer expects.
 */
import { Schema } from "effect"

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

/** Compares the current offer with what the caller expects; prices compare to the cent. */
export const checkOffer = (
  product: G2AProduct,
  expectation: {
    readonly price?: number | undefined
    readonly maxPrice?: number | undefined
    readonly quantity?: number | undefined
    readonly currency?: string | undefined
  }
) => {
  const current = { price: product.price, stock: product.stock, currency: product.currency }
  if (expectation.currency !== undefined && expectation.currency !== product.currency) {
    return new G2AError({
      kind: "validation",
      message: `G2A prices product ${product.id} in ${product.currency}, not ${expectation.currency}`,
      current
    })
  }
  const quantity = expectation.quantity ?? 1
  if (product.stock < quantity) {
    return new G2AError({
      kind: "out_of_stock",
      message: `product ${product.id} has ${product.stock} in stock, ${quantity} needed`,
      current
    })
  }
  const cents = (n: number) => Math.round(n * 100)
  if (expectation.price !== undefined && cents(product.price) !== cents(expectation.price)) {
    return new G2AError({
      kind: "price_changed",
      message: `product ${product.id} costs ${product.price} ${product.currency}, expected ${expectation.price}`,
      current
    })
  }
  if (expectation.maxPrice !== undefined && cents(product.price) > cents(expectation.maxPrice)) {
    return new G2AError({
      kind: "price_changed",
      message: `product ${product.id} costs ${product.price} ${product.currency}, above maxPrice ${expectation.maxPrice}`,
      current
    })
  }
  return undefined
}

/** G2A created the order, at a price beyond the buyer's maxPrice or in another currency: recorded, reported. */
export class PurchaseAboveLimit extends Schema.TaggedError<PurchaseAboveLimit>()("PurchaseAboveLimit", {
  orderId: Schema.String,
  price: Schema.Number,
  currency: Schema.String
}) {}
