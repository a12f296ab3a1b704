/**
 * Shopify's wire contract, pure: the shop-domain rule (an SSRF guard as much as validation), the OAuth redirect
 * and its query-string HMAC, the Admin GraphQL documents we send and the shapes we accept back, webhook payloads,
 * and the mapping of Shopify orders into channel orders. No I/O.
 */
import { DateTime, Option, Redacted, Result, Schema } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import type { ChannelOrder } from "../../../core/channels/ChannelOrders.ts"
import { OrderLine, Sku } from "../../../core/orders/Order.ts"
import type { ShopifySettings } from "./ShopifyConfig.ts"

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/

/** A shop domain we may talk to: `{name}.myshopify.com` only (lower-cased); anything else is refused. */
export const normalizeShop = (raw: string | undefined): Option.Option<string> => {
  const shop = (raw ?? "").trim().toLowerCase()
  return shop.length <= 255 && SHOP_DOMAIN.test(shop) ? Option.some(shop) : Option.none()
}

export const shopUrl = (settings: ShopifySettings, shop: string) => settings.shopUrlTemplate.replace("{shop}", shop)

export const authorizeUrl = (settings: ShopifySettings, shop: string, state: string, redirectUri: string) => {
  const query = new URLSearchParams({
    client_id: settings.clientId,
    scope: settings.scopes.join(","),
    redirect_uri: redirectUri,
    state
  })
  return `${shopUrl(settings, shop)}/admin/oauth/authorize?${query.toString()}`
}

/**
 * The message Shopify signs in a redirect: every parameter but `hmac` and `signature` (never a fixed list — new
 * ones appear), sorted by name, `name=value` joined with `&`; `%` and `&` escaped in names and values, `=` in
 * names; a repeated name becomes `name=["a", "b"]`.
 */
export const queryHmacMessage = (params: ReadonlyArray<readonly [string, string]>) => {
  const grouped = new Map<string, Array<string>>()
  for (const [name, value] of params) {
    if (name === "hmac" || name === "signature") continue
    grouped.set(name, [...(grouped.get(name) ?? []), value])
  }
  const percentEscape = (s: string) => s.replace(/%/g, "%25").replace(/&/g, "%26")
  return [...grouped.entries()]
    .map(([name, values]) => {
      const [only, ...others] = values
      const value = only !== undefined && others.length === 0 ? only : `[${values.map((v) => `"${v}"`).join(", ")}]`
      return [percentEscape(name).replace(/=/g, "%3D"), percentEscape(value)] as const
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&")
}

/** Constant-time check of a redirect's `hmac` (hex) against the app secret(s). */
export const verifyQueryHmac = (
  params: ReadonlyArray<readonly [string, string]>,
  secrets: ReadonlyArray<Redacted.Redacted<string>>
) => {
  const [given, ...repeated] = params.filter(([name]) => name === "hmac").map(([, value]) => value)
  if (given === undefined || repeated.length > 0 || !/^[0-9a-f]{64}$/i.test(given)) return false
  const candidate = Buffer.from(given, "hex")
  const message = queryHmacMessage(params)
  return secrets.some((secret) => {
    const expected = createHmac("sha256", Redacted.value(secret)).update(message).digest()
    return timingSafeEqual(expected, candidate)
  })
}

/** Scopes as Shopify reports them (`read_orders,write_products`); a write scope implies its read scope. */
export const missingScopes = (required: ReadonlyArray<string>, granted: string | undefined) => {
  const have = new Set((granted ?? "").split(/[,\s]+/).filter((s) => s.length > 0))
  for (const scope of [...have]) if (scope.startsWith("write_")) have.add(`read_${scope.slice(6)}`)
  return required.filter((s) => !have.has(s))
}

// ---- Admin GraphQL -------------------------------------------------------------------------------------------

export const ORDERS_QUERY = `query TradeportOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name currencyCode updatedAt cancelledAt displayFulfillmentStatus displayFinancialStatus
      lineItems(first: 250) { nodes { sku currentQuantity originalUnitPriceSet { shopMoney { amount } } } }
    }
  }
}`

export const WEBHOOK_MUTATION = `mutation TradeportWebhook($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
    webhookSubscription { id }
    userErrors { field message }
  }
}`

export const WEBHOOK_TOPICS = ["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "APP_UNINSTALLED"] as const

/**
 * `updated_at:>='…'` in Shopify's search syntax, five minutes before the cursor: Shopify's search index trails its
 * writes, so an order updated just before the cursor may only now be findable (ingestion is idempotent, an overlap
 * is harmless).
 */
export const updatedSince = (since: Option.Option<DateTime.Utc>) =>
  Option.match(since, {
    onNone: () => undefined,
    onSome: (t) => `updated_at:>='${DateTime.formatIso(DateTime.subtract(t, { minutes: 5 }))}'`
  })

const GraphQLError = Schema.Struct({
  message: Schema.String,
  extensions: Schema.optional(Schema.Struct({ code: Schema.optional(Schema.String) }))
})

const ThrottleStatus = Schema.Struct({
  extensions: Schema.optional(
    Schema.Struct({
      cost: Schema.optional(
        Schema.Struct({
          requestedQueryCost: Schema.optional(Schema.Number),
          throttleStatus: Schema.optional(
            Schema.Struct({ currentlyAvailable: Schema.Number, restoreRate: Schema.Number })
          )
        })
      )
    })
  )
})

export const GraphQLEnvelope = Schema.Struct({
  data: Schema.optional(Schema.NullOr(Schema.Unknown)),
  errors: Schema.optional(Schema.Array(GraphQLError))
}).pipe(Schema.fieldsAssign(ThrottleStatus.fields))

/** Seconds to wait before a THROTTLED query can run (its cost against the bucket's restore rate), at least 1. */
export const throttleWait = (envelope: typeof GraphQLEnvelope.Type) => {
  const cost = envelope.extensions?.cost
  const status = cost?.throttleStatus
  if (status === undefined || status.restoreRate <= 0) return 1
  return Math.max(1, Math.ceil(((cost?.requestedQueryCost ?? 0) - status.currentlyAvailable) / status.restoreRate))
}

export const isThrottled = (envelope: typeof GraphQLEnvelope.Type) =>
  (envelope.errors ?? []).some((e) => e.extensions?.code === "THROTTLED")

const Money = Schema.Struct({ shopMoney: Schema.Struct({ amount: Schema.String }) })

export const OrderNode = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  currencyCode: Schema.String,
  updatedAt: Schema.String,
  cancelledAt: Schema.NullOr(Schema.String),
  displayFulfillmentStatus: Schema.optional(Schema.String),
  displayFinancialStatus: Schema.optional(Schema.NullOr(Schema.String)),
  lineItems: Schema.Struct({
    nodes: Schema.Array(
      Schema.Struct({ sku: Schema.NullOr(Schema.String), currentQuantity: Schema.Int, originalUnitPriceSet: Money })
    )
  })
})

export const OrdersData = Schema.Struct({
  orders: Schema.Struct({
    pageInfo: Schema.Struct({ hasNextPage: Schema.Boolean, endCursor: Schema.NullOr(Schema.String) }),
    nodes: Schema.Array(OrderNode)
  })
})

export const WebhookCreateData = Schema.Struct({
  webhookSubscriptionCreate: Schema.Struct({
    webhookSubscription: Schema.NullOr(Schema.Struct({ id: Schema.String })),
    userErrors: Schema.Array(Schema.Struct({ message: Schema.String }))
  })
})

// ---- Mapping into channel orders -----------------------------------------------------------------------------

/** `gid://shopify/Order/820982911946154508` → `820982911946154508` (ids exceed JS numbers: never parse them). */
export const legacyId = (gid: string): Option.Option<string> => {
  const [, id] = /^gid:\/\/shopify\/Order\/(\d{1,30})$/.exec(gid) ?? []
  return Option.fromNullishOr(id)
}

/** "19.99" → 1999, without floating point. */
export const moneyToCents = (amount: string): Option.Option<number> => {
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?\d*$/.exec(amount.trim())
  if (match === null) return Option.none()
  return Option.some(Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0")))
}

interface RawOrder {
  readonly gid: string
  readonly name: string
  readonly currency: string
  readonly updatedAt: string
  readonly cancelledAt: string | null
  /** Refunded or voided at Shopify: as good as cancelled for stock. */
  readonly refunded: boolean
  readonly fulfilled: boolean
  readonly lines: ReadonlyArray<{ readonly sku: string | null; readonly quantity: number; readonly price: string }>
}

const toChannelOrder = (raw: RawOrder): Result.Result<ChannelOrder, string> => {
  const id = legacyId(raw.gid)
  const updatedAt = DateTime.make(raw.updatedAt)
  if (Option.isNone(id)) return Result.fail(`unexpected order id ${raw.gid.slice(0, 80)}`)
  if (Option.isNone(updatedAt)) return Result.fail(`order ${raw.name}: unreadable updated_at`)
  const lines: Array<OrderLine> = []
  for (const line of raw.lines) {
    const sku = Schema.decodeUnknownOption(Sku)(line.sku)
    const cents = moneyToCents(line.price)
    // Lines without a SKU (custom items, tips) hold no stock of ours.
    if (Option.isNone(sku) || line.quantity <= 0) continue
    lines.push(
      new OrderLine({ sku: sku.value, quantity: line.quantity, unitPriceCents: Option.getOrElse(cents, () => 0) })
    )
  }
  return Result.succeed({
    externalOrderId: id.value,
    name: raw.name,
    lines,
    currency: /^[A-Z]{3}$/.test(raw.currency) ? raw.currency : "USD",
    cancelled: raw.cancelledAt !== null || raw.refunded,
    fulfilled: raw.fulfilled,
    updatedAt: DateTime.toUtc(updatedAt.value)
  })
}

export const orderFromGraphQL = (node: typeof OrderNode.Type) =>
  toChannelOrder({
    gid: node.id,
    name: node.name,
    currency: node.currencyCode,
    updatedAt: node.updatedAt,
    cancelledAt: node.cancelledAt,
    refunded: node.displayFinancialStatus === "REFUNDED" || node.displayFinancialStatus === "VOIDED",
    fulfilled: node.displayFulfillmentStatus === "FULFILLED",
    // What is still to ship (after edits, removals and restocks), not what was first ordered.
    lines: node.lineItems.nodes.map((l) => ({
      sku: l.sku,
      quantity: l.currentQuantity,
      price: l.originalUnitPriceSet.shopMoney.amount
    }))
  })

/** The order payload of `orders/*` webhooks (REST-shaped; `admin_graphql_api_id` carries the exact id). */
export const WebhookOrder = Schema.Struct({
  admin_graphql_api_id: Schema.String,
  name: Schema.String,
  currency: Schema.String,
  updated_at: Schema.String,
  cancelled_at: Schema.NullOr(Schema.String),
  financial_status: Schema.optional(Schema.NullOr(Schema.String)),
  fulfillment_status: Schema.optional(Schema.NullOr(Schema.String)),
  line_items: Schema.Array(
    Schema.Struct({
      sku: Schema.NullOr(Schema.String),
      quantity: Schema.Int,
      current_quantity: Schema.optional(Schema.Int),
      price: Schema.String
    })
  )
})

export const orderFromWebhook = (payload: typeof WebhookOrder.Type) =>
  toChannelOrder({
    gid: payload.admin_graphql_api_id,
    name: payload.name,
    currency: payload.currency,
    updatedAt: payload.updated_at,
    cancelledAt: payload.cancelled_at,
    refunded: payload.financial_status === "refunded" || payload.financial_status === "voided",
    fulfilled: payload.fulfillment_status === "fulfilled",
    lines: payload.line_items.map((l) => ({ sku: l.sku, quantity: l.current_quantity ?? l.quantity, price: l.price }))
  })

/** The `app/uninstalled` payload: the shop itself. */
export const WebhookShop = Schema.Struct({ myshopify_domain: Schema.String })
