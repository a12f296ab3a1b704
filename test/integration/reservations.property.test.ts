/**
 * Property: whatever the interleaving of concurrent creates, cancels, fulfilments and expiries, inventory stays
 * consistent on real Postgres — never negative, never more reserved than on hand, reserved equal to the sum of
 * open reservations, and on hand reduced by exactly what was fulfilled.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { randomUUID } from "node:crypto"
import * as PgInventoryRepository from "../../adapters/postgres/PgInventoryRepository.ts"
import * as PgOrderRepository from "../../adapters/postgres/PgOrderRepository.ts"
import { InventoryRepository } from "../../core/inventory/ports/InventoryRepository.ts"
import { Email, OrganizationName } from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { OrderLine, Sku } from "../../core/orders/Order.ts"
import type { OrderId } from "../../core/orders/Order.ts"
import * as Orders from "../../core/orders/Orders.ts"
import { OrderRepository } from "../../core/orders/ports/OrderRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { Persistence } from "../support/TokenStack.ts"

const SKUS = ["P-A", "P-B", "P-C"] as const
const STOCK = 6

type Op =
  | {
      readonly kind: "create"
      readonly lines: ReadonlyArray<{ readonly sku: (typeof SKUS)[number]; readonly quantity: number }>
    }
  | { readonly kind: "cancel" | "fulfil" | "expire"; readonly target: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 4 }) }), {
        minLength: 1,
        maxLength: 3
      })
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("cancel" as const, "fulfil" as const, "expire" as const),
      target: fc.nat()
    })
  }
)

const Stack = Layer.mergeAll(PgOrderRepository.layer, PgInventoryRepository.layer).pipe(Layer.provideMerge(Persistence))

describe("reservation invariants under random interleavings", () => {
  layer(Stack, { excludeTestServices: true, timeout: 180_000 })("real Postgres", (it) => {
    it.effect("no negative availability; reserved = open reservations; on hand = stock − fulfilled", () =>
      Effect.gen(function* () {
        const context = yield* Effect.context<
          OrderRepository | InventoryRepository | IdentityRepository | Transactions
        >()
        const seen = { reserved: 0, refused: 0, fulfilled: 0, cancelled: 0 }
        const run = (ops: ReadonlyArray<ReadonlyArray<Op>>) =>
          Effect.gen(function* () {
            const organizationId = OrgId.make(randomUUID())
            yield* (yield* Transactions).inOrganization(organizationId)(
              (yield* IdentityRepository).registerOwner({
                organizationId,
                userId: UserId.make(randomUUID()),
                organizationName: OrganizationName.make("Prop"),
                email: Email.make(`${randomUUID()}@example.com`),
                passwordHash: "x"
              })
            )
            const inventory = yield* InventoryRepository
            yield* inventory.upsertProducts(
              organizationId,
              SKUS.map((sku) => ({ sku, name: sku }))
            )
            yield* inventory.setOnHand(
              organizationId,
              SKUS.map((sku) => ({ sku, location: "default", onHand: STOCK })),
              "atomic"
            )
            const created: Array<OrderId> = []
            for (const batch of ops) {
              // One batch runs concurrently: a real interleaving of transactions.
              yield* Effect.forEach(
                batch,
                (o) => {
                  if (o.kind === "create") {
                    return Orders.create(
                      organizationId,
                      {
                        lines: o.lines.map(
                          (l) => new OrderLine({ sku: Sku.make(l.sku), quantity: l.quantity, unitPriceCents: 0 })
                        )
                      },
                      { kind: "api" }
                    ).pipe(
                      Effect.tap((r) => Effect.sync(() => created.push(r.order.id))),
                      Effect.tapError(() => Effect.sync(() => seen.refused++)),
                      Effect.ignore
                    )
                  }
                  const target = created[o.target % Math.max(1, created.length)]
                  if (target === undefined) return Effect.void
                  return Effect.gen(function* () {
                    yield* (yield* OrderRepository).apply(organizationId, target, o.kind)
                  }).pipe(Effect.ignore)
                },
                { concurrency: "unbounded", discard: true }
              )
            }
            const levels = yield* inventory.levels(organizationId)
            const orders = yield* (yield* OrderRepository).list(organizationId, { limit: 500 })
            for (const o of orders.orders) {
              if (o.status === "reserved") seen.reserved++
              if (o.status === "fulfilled") seen.fulfilled++
              if (o.status === "cancelled") seen.cancelled++
            }
            for (const sku of SKUS) {
              const level = levels.find((l) => l.sku === sku)!
              const openReserved = orders.orders
                .filter((o) => o.status === "reserved")
                .flatMap((o) => o.lines)
                .filter((l) => l.sku === sku)
                .reduce((n, l) => n + l.quantity, 0)
              const fulfilled = orders.orders
                .filter((o) => o.status === "fulfilled")
                .flatMap((o) => o.lines)
                .filter((l) => l.sku === sku)
                .reduce((n, l) => n + l.quantity, 0)
              assert.isAtLeast(level.available, 0, `${sku} available`)
              assert.isAtMost(level.reserved, level.onHand, `${sku} reserved ≤ on hand`)
              assert.strictEqual(level.reserved, openReserved, `${sku} reserved = open reservations`)
              assert.strictEqual(level.onHand, STOCK - fulfilled, `${sku} on hand = stock − fulfilled`)
            }
          })
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
              (ops) => Effect.runPromise(run(ops).pipe(Effect.provide(context)))
            ),
            { numRuns: 20 }
          )
        )
        // The property saw every kind of outcome (it is not vacuous).
        assert.isAbove(seen.reserved, 0)
        assert.isAbove(seen.refused, 0)
        assert.isAbove(seen.fulfilled, 0)
        assert.isAbove(seen.cancelled, 0)
      })
    )
  })
})
