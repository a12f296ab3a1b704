/**
 * The G2A contract, pure: what G2A sends and receives (Schema), our models, the error taxonomy, hash auth, the
 * mappers and the price/stock expectations. No I/O; G2AClient does the calls.
 */
import { Redacted, Schema } from "effect"
import { createHash } from "node:crypto"
import {
  checkOffer,
  G2AError,
  G2AFailure,
  type G2AOrder,
  type G2AProduct,
  type G2AProductPage,
  type OrderRequest,
  type ProductQuery
} from "../../../core/marketplace/Marketplace.ts"
import type { ProviderError } from "../../../core/providers/ProviderError.ts"
import type { G2ASettings } from "./G2AConfig.ts"

export { checkOffer, G2AError, G2AFailure }
export type { G2AOrder, G2AProduct, G2AProductPage, OrderRequest, ProductQuery }

// ---------------------------------------------------------------------------------------------------------------
// Contracts (what G2A sends and receives) and our models

export const TokenResponse = Schema.Struct({
  access_token: Schema.String.check(Schema.isMinLength(1)),
  token_type: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Unknown)
})

export const ProductDoc = Schema.Struct({
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

export const ProductPage = Schema.Struct({
  total: Schema.Number,
  page: Schema.Number,
  docs: Schema.Array(ProductDoc)
})

export const OrderResponse = Schema.Struct({
  order_id: Schema.Union([Schema.String.check(Schema.isPattern(/^[\w.:-]{1,255}$/)), Schema.Number]),
  price: Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0)),
  currency: Schema.String.check(Schema.isPattern(/^[A-Za-z]{3}$/))
})

// ---------------------------------------------------------------------------------------------------------------
// Pure pieces: hash auth, mapping, validation

/** hex SHA-256(apiHash + apiKey + timestamp): the Export API's `X-G2A-Hash` and the token request's proof. */
export const authHash = (apiHash: Redacted.Redacted<string>, apiKey: Redacted.Redacted<string>, timestamp: string) =>
  createHash("sha256")
    .update(Redacted.value(apiHash) + Redacted.value(apiKey) + timestamp)
    .digest("hex")

export const hashAuthHeaders = (
  settings: Pick<G2ASettings, "env" | "apiHash" | "apiKey">,
  nowSeconds: number
): Record<string, string> => {
  if (settings.env === "sandbox")
    return { authorization: `${Redacted.value(settings.apiHash)}, ${Redacted.value(settings.apiKey)}` }
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
export const PRODUCT_ID = /^[A-Za-z0-9_-]{1,64}$/

export const invalid = (message: string) => new G2AError({ kind: "validation", message })

export const validateOrder = (order: OrderRequest): G2AError | undefined => {
  if (!PRODUCT_ID.test(order.productId)) return invalid("productId must be 1–64 characters of letters, digits, _ or -")
  if (!CURRENCY.test(order.currency)) return invalid("currency must be an ISO 4217 code such as EUR")
  if (!Number.isFinite(order.maxPrice) || order.maxPrice <= 0) return invalid("maxPrice must be a positive amount")
  if (order.expectedPrice !== undefined && (!Number.isFinite(order.expectedPrice) || order.expectedPrice <= 0)) {
    return invalid("expectedPrice must be a positive amount")
  }
  if (order.expectedPrice !== undefined && order.expectedPrice > order.maxPrice)
    return invalid("expectedPrice exceeds maxPrice")
  return undefined
}

/** A provider failure in G2A's taxonomy. */
export const fromProviderError = (e: ProviderError): G2AError => {
  const code = e.detail
  switch (e.reason) {
    case "Unauthorized":
      return new G2AError({ kind: "auth", message: "G2A refused the credentials", code })
    case "RateLimited":
      return new G2AError({
        kind: "rate_limited",
        message: "G2A is throttling requests",
        retryAfterSeconds: e.retryAfterSeconds,
        code
      })
    case "Timeout":
    case "Unavailable":
    case "CircuitOpen":
      return new G2AError({
        kind: "unavailable",
        message: `G2A unavailable (${e.reason})`,
        retryAfterSeconds: e.retryAfterSeconds
      })
    case "Decode":
      return new G2AError({ kind: "unknown", message: "G2A answered outside its contract" })
    case "Rejected":
      return e.status === 403
        ? new G2AError({ kind: "auth", message: "G2A refused access for these credentials", code })
        : e.status === 404
          ? new G2AError({ kind: "not_found", message: "G2A does not know this resource", code })
          : e.status === 400 || e.status === 409 || e.status === 422
            ? new G2AError({
                kind: "validation",
                message: `G2A refused the request${code === undefined ? "" : ` (${code})`}`,
                code
              })
            : new G2AError({ kind: "unknown", message: `G2A answered ${e.status ?? "?"}`, code })
  }
}
