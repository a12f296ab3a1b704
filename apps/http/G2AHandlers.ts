/** G2A handlers: the adapter's taxonomy turned into problems with stable codes; orders audited. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { type G2AError, G2AClient, type G2AProduct } from "../../adapters/providers/g2a/G2AClient.ts"
import { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import { PurchaseRepository } from "../../core/marketplace/ports/PurchaseRepository.ts"
import { Purchase } from "../../core/marketplace/Purchase.ts"
import { requireRole } from "../../core/identity/Roles.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { problems } from "./ErrorMapping.ts"
import { G2AProductView } from "./G2AApi.ts"
import { idempotent } from "./Idempotency.ts"
import { Conflict, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

const current = (e: G2AError) =>
  e.current === undefined ? "" : ` Current: ${e.current.price} ${e.current.currency}, ${e.current.stock} in stock.`

/** One mapping for every G2A failure; the 503s give the idempotency key back, the rest are the request's answer. */
export const g2aProblem = (e: G2AError): Effect.Effect<never, NotFound | Conflict | Unprocessable | ServiceUnavailable> => {
  switch (e.kind) {
    case "validation":
      return Effect.fail(new Unprocessable({ code: "g2a_rejected", detail: e.message }))
    case "not_found":
      return Effect.fail(new NotFound({ code: "g2a_product_not_found", detail: e.message }))
    case "out_of_stock":
      return Effect.fail(new Conflict({ code: "out_of_stock", detail: e.message + current(e) }))
    case "price_changed":
      return Effect.fail(new Conflict({ code: "price_changed", detail: e.message + current(e) }))
    case "outcome_unknown":
      return Effect.fail(new Conflict({ code: "g2a_order_outcome_unknown", detail: e.message }))
    case "rate_limited":
      return Effect.fail(new ServiceUnavailable({ code: "g2a_rate_limited", retryAfterSeconds: Math.max(1, Math.ceil(e.retryAfterSeconds ?? 1)), detail: "G2A is throttling requests; retry later." }))
    case "unavailable":
      return Effect.fail(new ServiceUnavailable({ code: "g2a_unavailable", retryAfterSeconds: Math.max(1, Math.ceil(e.retryAfterSeconds ?? 5)), detail: "G2A is unavailable; retry later." }))
    case "auth":
      return Effect.fail(new ServiceUnavailable({ code: "g2a_auth_failed", detail: "G2A refused this deployment's credentials; operators have to fix them." }))
    case "unknown":
      return Effect.fail(new ServiceUnavailable({ code: "g2a_bad_response", retryAfterSeconds: 5, detail: "G2A answered outside its contract." }))
    case "not_configured":
      return Effect.fail(new ServiceUnavailable({ code: "g2a_not_configured", detail: "G2A is not configured in this deployment." }))
  }
}

const view = (p: G2AProduct) =>
  new G2AProductView({
    id: p.id,
    name: p.name,
    price: p.price,
    retailPrice: p.retailPrice ?? null,
    currency: p.currency,
    stock: p.stock,
    region: p.region ?? null,
    platform: p.platform ?? null,
    updatedAt: p.updatedAt ?? null
  })

export const G2AHandlers = HttpApiBuilder.group(
  Api,
  "g2a",
  Effect.fn(function*(handlers) {
    const client = yield* G2AClient
    return handlers
      .handle("products", ({ query }) =>
        client.listProducts(query).pipe(
          Effect.map((page) => ({ total: page.total, page: page.page, products: page.products.map(view) })),
          Effect.catchTag("G2AError", g2aProblem)
        ))
      .handle("product", ({ params }) => client.getProduct(params.id).pipe(Effect.map(view), Effect.catchTag("G2AError", g2aProblem)))
      .handle("checkOffer", ({ params, query }) =>
        client.checkOffer(params.id, { price: query.price, quantity: query.quantity }).pipe(Effect.map(view), Effect.catchTag("G2AError", g2aProblem)))
      .handle("order", ({ headers, payload }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          const audit = yield* AuditLog
          const purchases = yield* PurchaseRepository
          return yield* idempotent({
            organizationId: principal.organizationId,
            key: headers["idempotency-key"],
            operation: "g2a.orders.create",
            payload,
            successStatus: 201,
            schema: Purchase,
            run: client.createOrder(payload).pipe(
              Effect.catchTag("G2AError", g2aProblem),
              // Recorded in the same transaction as the idempotency record, so a replay and the purchase agree.
              Effect.flatMap((order) =>
                audit.record({
                  organizationId: principal.organizationId,
                  actorUserId: principal.userId,
                  action: "G2A_ORDER_CREATED",
                  target: order.orderId,
                  details: { productId: order.productId, price: order.price, currency: order.currency }
                }).pipe(
                  Effect.andThen(purchases.record(principal.organizationId, {
                    provider: "g2a",
                    externalOrderId: order.orderId,
                    productId: order.productId,
                    price: order.price,
                    currency: order.currency,
                    createdBy: principal.userId
                  })),
                  // G2A has the order but we could not write it down: never answer "retry" (that would buy twice).
                  Effect.catchTag("PersistenceError", (e) =>
                    Effect.logError("G2A order created but not recorded").pipe(
                      Effect.annotateLogs({ g2aOrderId: order.orderId, operation: e.operation }),
                      Effect.andThen(Effect.fail(new Conflict({
                        code: "g2a_order_not_recorded",
                        detail: `G2A created order ${order.orderId}, but it could not be recorded; do not retry, contact support.`
                      })))
                    ))
                ))
            )
          })
        }).pipe(Effect.catchTags({ InsufficientRole: problems.InsufficientRole })))
      .handle("orders", ({ query }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          const orders = yield* (yield* PurchaseRepository).list(principal.organizationId, query.limit ?? 50)
          return { orders }
        }).pipe(Effect.catchTags({ PersistenceError: problems.PersistenceError })))
  })
)
