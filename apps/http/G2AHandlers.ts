/** G2A handlers: the adapter's taxonomy turned into problems with stable codes; orders bought at most once, audited. */
import { Effect, Option, Schema } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { G2AClient } from "../../adapters/providers/g2a/G2AClient.ts"
import { checkOffer, G2AError, type G2AProduct } from "../../adapters/providers/g2a/G2AContract.ts"
import { IdempotencyStore } from "../../core/idempotency/ports/IdempotencyStore.ts"
import type { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import { PurchaseRepository } from "../../core/marketplace/ports/PurchaseRepository.ts"
import { Purchase } from "../../core/marketplace/Purchase.ts"
import { requireRole } from "../../core/identity/Roles.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { problems } from "./ErrorMapping.ts"
import { type G2AOrderPayload, G2AProductView } from "./G2AApi.ts"
import { claimKey } from "./Idempotency.ts"
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
      // A deployment without G2A has no such resource: like every provider that is not configured, 404.
      return Effect.fail(new NotFound({ code: "provider_not_configured", detail: "G2A is not configured in this deployment." }))
  }
}

const notConfigured = new G2AError({ kind: "not_configured", message: "G2A is not configured" })

/** What a stored answer looks like, and how a problem becomes one. */
const answerOf = (problem: { readonly status: number; readonly code: string; readonly detail?: string | undefined }) => ({
  status: problem.status,
  body: { code: problem.code, detail: problem.detail }
})

/** G2A failures after which the order provably was not placed (nothing reached G2A, or G2A refused it unprocessed). */
const notPlaced = (e: G2AError) => e.kind === "auth" || e.kind === "rate_limited" || e.kind === "unavailable" || e.kind === "not_configured"

/**
 * Buying on G2A, at most once per Idempotency-Key. Unlike our own writes, the purchase cannot be rolled back, so:
 * 1. the key is claimed and the offer checked (nothing bought yet: failures answer as usual);
 * 2. BEFORE `POST /order`, the key's answer is stored as "outcome unknown" — from then on no retry with this key
 *    can buy again, whatever happens to this process, its client or the database;
 * 3. the POST and the recording run uninterruptibly (a client hanging up does not abort them), no database
 *    transaction is held across the G2A call;
 * 4. the real answer (the purchase, or G2A's refusal) then replaces the provisional one in one short transaction
 *    with the purchase row and the audit entry. If that fails, the "outcome unknown" answer stays, and the log
 *    names the G2A order id.
 */
const buyOnce = (input: {
  readonly organizationId: OrgId
  readonly userId: UserId
  readonly accountId: string
  readonly key: string
  readonly payload: typeof G2AOrderPayload.Type
}) =>
  Effect.gen(function*() {
    const client = yield* G2AClient
    const store = yield* IdempotencyStore
    const transactions = yield* Transactions
    const audit = yield* AuditLog
    const purchases = yield* PurchaseRepository
    const { organizationId, key, payload } = input
    const storageDown = () => new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1, detail: "Storage is unavailable, retry shortly." })
    const claim = yield* claimKey({ organizationId, key, operation: "g2a.orders.create", payload, schema: Purchase })
    if (claim._tag === "Replayed") return claim.value
    const holder = claim.holder
    // A refusal is this key's answer; trouble that left nothing behind gives the key back.
    const answer = (e: G2AError) =>
      g2aProblem(e).pipe(Effect.catch((problem) =>
        (problem._tag === "ServiceUnavailable"
          ? store.release(organizationId, key, holder)
          : store.complete(organizationId, key, holder, answerOf(problem))).pipe(Effect.ignore, Effect.andThen(Effect.fail(problem)))
      ))

    // 1. Nothing bought yet.
    const product = yield* client.getProduct(payload.productId).pipe(Effect.catchTag("G2AError", answer))
    const mismatch = checkOffer(product, { price: payload.expectedPrice, maxPrice: payload.maxPrice, currency: payload.currency })
    if (mismatch !== undefined) return yield* answer(mismatch)

    // 2. The point of no return.
    const unknown = new Conflict({
      code: "g2a_order_outcome_unknown",
      detail: "G2A may or may not have created this order; check G2A before retrying with a new Idempotency-Key."
    })
    const provisional = yield* store.complete(organizationId, key, holder, answerOf({ status: 409, code: unknown.code, detail: unknown.detail })).pipe(
      Effect.catchTag("PersistenceError", () => store.release(organizationId, key, holder).pipe(Effect.ignore, Effect.andThen(Effect.fail(storageDown()))))
    )
    if (!provisional) return yield* new Conflict({ code: "idempotency_in_progress", detail: "A request with this Idempotency-Key is still being processed." })

    // 3 + 4. Uninterruptible from the POST to the recorded answer.
    return yield* Effect.uninterruptible(Effect.gen(function*() {
      const placed = yield* client.placeOrder(payload).pipe(Effect.result)
      if (placed._tag === "Failure") {
        const e = placed.failure
        if (e.kind === "outcome_unknown") return yield* unknown
        if (notPlaced(e)) {
          yield* store.abandon(organizationId, key, holder).pipe(Effect.ignore)
          return yield* g2aProblem(e)
        }
        return yield* g2aProblem(e).pipe(Effect.catch((problem) =>
          store.supersede(organizationId, key, holder, answerOf(problem)).pipe(Effect.ignore, Effect.andThen(Effect.fail(problem)))
        ))
      }
      const order = placed.success
      const recorded = yield* transactions.inOrganization(organizationId)(Effect.gen(function*() {
        yield* audit.record({
          organizationId,
          actorUserId: input.userId,
          action: "G2A_ORDER_CREATED",
          target: order.orderId,
          details: { productId: order.productId, price: order.price, currency: order.currency }
        })
        const purchase = yield* purchases.record(organizationId, {
          provider: "g2a",
          accountId: input.accountId,
          externalOrderId: order.orderId,
          productId: order.productId,
          price: order.price,
          currency: order.currency,
          createdBy: input.userId
        })
        const response = order.withinLimit
          ? { status: 201, body: yield* Schema.encodeEffect(Purchase)(purchase).pipe(Effect.orDie) }
          : answerOf({ status: 409, code: "g2a_price_above_max", detail: `G2A created order ${order.orderId} at ${order.price} ${order.currency}, beyond the request's maxPrice/currency; it is recorded.` })
        yield* store.supersede(organizationId, key, holder, response)
        return { purchase, response }
      })).pipe(Effect.result)
      if (recorded._tag === "Failure") {
        yield* Effect.logError("G2A order created but not recorded").pipe(
          Effect.annotateLogs({ g2aOrderId: order.orderId, operation: recorded.failure.operation })
        )
        return yield* new Conflict({
          code: "g2a_order_not_recorded",
          detail: `G2A created order ${order.orderId}, but it could not be recorded; do not retry, contact support.`
        })
      }
      if (!order.withinLimit) {
        return yield* new Conflict({ code: "g2a_price_above_max", detail: `G2A created order ${order.orderId} at ${order.price} ${order.currency}, beyond the request's maxPrice/currency; it is recorded.` })
      }
      return recorded.success.purchase
    }))
  })

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
          if (Option.isNone(client.account)) return yield* g2aProblem(notConfigured)
          return yield* buyOnce({
            organizationId: principal.organizationId,
            userId: principal.userId,
            accountId: client.account.value.id,
            key: headers["idempotency-key"],
            payload
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
