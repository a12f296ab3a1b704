/** G2A handlers: decode → one purchasing use case → encode (G2A's failures mapped in ErrorMapping). */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { G2AProduct } from "../../core/marketplace/Marketplace.ts"
import * as Purchasing from "../../core/marketplace/Purchasing.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { problems } from "./ErrorMapping.ts"
import { G2AProductView } from "./G2AApi.ts"

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

export const G2AHandlers = HttpApiBuilder.group(Api, "g2a", (handlers) =>
  handlers
    .handle("products", ({ query }) =>
      Purchasing.products(query).pipe(
        Effect.map((page) => ({ total: page.total, page: page.page, products: page.products.map(view) })),
        Effect.catchTags({ G2AError: problems.G2AError })
      )
    )
    .handle("product", ({ params }) =>
      Purchasing.product(params.id).pipe(Effect.map(view), Effect.catchTags({ G2AError: problems.G2AError }))
    )
    .handle("checkOffer", ({ params, query }) =>
      Purchasing.offer(params.id, { price: query.price, quantity: query.quantity }).pipe(
        Effect.map(view),
        Effect.catchTags({ G2AError: problems.G2AError })
      )
    )
    .handle("order", ({ headers, payload }) =>
      caller.pipe(
        Effect.flatMap((principal) => Purchasing.buy(principal, headers["idempotency-key"], payload)),
        Effect.catchTags({
          InsufficientRole: problems.InsufficientRole,
          G2AError: problems.G2AError,
          PurchaseAboveLimit: problems.PurchaseAboveLimit,
          IdempotencyError: problems.IdempotencyError,
          ReplayedFailure: problems.ReplayedFailure,
          IrreversibleOutcome: problems.IrreversibleOutcome
        })
      )
    )
    .handle("orders", ({ query }) =>
      caller.pipe(
        Effect.flatMap((principal) => Purchasing.list(principal, query.limit ?? 50)),
        Effect.map((orders) => ({ orders })),
        Effect.catchTags({ PersistenceError: problems.PersistenceError })
      )
    )
)
