/**
 * Buying on G2A with the deployment's account: browsing products and offers, and placing an order at most once per
 * Idempotency-Key (an irreversible call: see IrreversibleCall), recorded with its audit entry. Admins only.
 */
import { Effect, Option, Result } from "effect"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import * as IrreversibleCall from "../idempotency/IrreversibleCall.ts"
import type { Principal } from "../identity/Principal.ts"
import { requireRole } from "../identity/Roles.ts"
import { checkOffer, G2AError, type G2AOrder, type ProductQuery, PurchaseAboveLimit } from "./Marketplace.ts"
import { G2AMarketplace, type OfferExpectation } from "./ports/G2AMarketplace.ts"
import { PurchaseRepository } from "./ports/PurchaseRepository.ts"
import { Purchase } from "./Purchase.ts"

export interface OrderInput {
  readonly productId: string
  readonly maxPrice: number
  readonly currency: string
  readonly expectedPrice?: number | undefined
}

const notConfigured = () => new G2AError({ kind: "not_configured", message: "G2A is not configured" })

export const products = Effect.fn("Purchasing.products")(function* (query: ProductQuery) {
  return yield* (yield* G2AMarketplace).listProducts(query)
})

export const product = Effect.fn("Purchasing.product")(function* (id: string) {
  return yield* (yield* G2AMarketplace).getProduct(id)
})

export const offer = Effect.fn("Purchasing.offer")(function* (id: string, expectation: OfferExpectation) {
  return yield* (yield* G2AMarketplace).checkOffer(id, expectation)
})

/** Failures after which the order provably was not placed (nothing reached G2A, or G2A refused it unprocessed). */
const notPlaced = (e: G2AError) =>
  e.kind === "auth" || e.kind === "rate_limited" || e.kind === "unavailable" || e.kind === "not_configured"

export const buy = Effect.fn("Purchasing.buy")(function* (principal: Principal, key: string, payload: OrderInput) {
  yield* requireRole(principal.role, "admin")
  const market = yield* G2AMarketplace
  if (Option.isNone(market.account)) return yield* notConfigured()
  const account = market.account.value
  const { organizationId, userId } = principal
  return yield* IrreversibleCall.run({
    organizationId,
    key,
    operation: "g2a.orders.create",
    payload,
    success: Purchase,
    subject: "g2a_order",
    provider: () => "G2A",
    prepare: Effect.gen(function* () {
      const found = yield* market.getProduct(payload.productId)
      const mismatch = checkOffer(found, {
        price: payload.expectedPrice,
        maxPrice: payload.maxPrice,
        currency: payload.currency
      })
      if (mismatch !== undefined) return yield* mismatch
    }),
    call: () => market.placeOrder(payload),
    classify: (e) => (e.kind === "outcome_unknown" ? "unknown" : notPlaced(e) ? "not_reached" : "refused"),
    reference: (order: G2AOrder) => order.orderId,
    record: (_, order) =>
      Effect.gen(function* () {
        yield* (yield* AuditLog).record({
          organizationId,
          actorUserId: userId,
          action: "G2A_ORDER_CREATED",
          target: order.orderId,
          details: { productId: order.productId, price: order.price, currency: order.currency }
        })
        const purchase = yield* (yield* PurchaseRepository).record(organizationId, {
          provider: "g2a",
          accountId: account.id,
          externalOrderId: order.orderId,
          productId: order.productId,
          price: order.price,
          currency: order.currency,
          createdBy: userId
        })
        return order.withinLimit
          ? Result.succeed(purchase)
          : Result.fail(
              new PurchaseAboveLimit({ orderId: order.orderId, price: order.price, currency: order.currency })
            )
      })
  })
})

export const list = Effect.fn("Purchasing.list")(function* (principal: Principal, limit: number) {
  return yield* (yield* PurchaseRepository).list(principal.organizationId, limit)
})
