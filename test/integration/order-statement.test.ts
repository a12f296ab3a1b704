/**
 * Order creation as ONE statement (`order_create_reserved()`, migration 0019) on real Postgres: one statement per
 * order, counted; the same domain errors as the multi-statement transaction it replaced (unknown SKUs in the core's
 * order, the first product short with what was asked and what was there); nothing left of a refused order; a
 * duplicate channel order answered as recorded; multi-line orders in opposite line orders never deadlock; the
 * organisation context is the call's own (another organisation's products are unknown, the caller's setting is put
 * back); the function runs with its caller's rights and nobody else may execute it.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { SqlClient, Statement } from "effect/sql"
import { randomUUID } from "node:crypto"
import * as PgInventoryRepository from "../../adapters/postgres/PgInventoryRepository.ts"
import * as PgOrderRepository from "../../adapters/postgres/PgOrderRepository.ts"
import { Email, OrganizationName } from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { UnknownSku } from "../../core/inventory/Inventory.ts"
import { InventoryRepository } from "../../core/inventory/ports/InventoryRepository.ts"
import { OrderLine, Sku } from "../../core/orders/Order.ts"
import * as Orders from "../../core/orders/Orders.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"
import { Persistence } from "../support/TokenStack.ts"

const Stack = Layer.mergeAll(PgOrderRepository.layer, PgInventoryRepository.layer).pipe(Layer.provideMerge(Persistence))

const organisation = (stock: ReadonlyArray<{ readonly sku: string; readonly onHand: number }>) =>
  Effect.gen(function* () {
    const organizationId = OrgId.make(randomUUID())
    yield* (yield* Transactions).inOrganization(organizationId)(
      (yield* IdentityRepository).registerOwner({
        organizationId,
        userId: UserId.make(randomUUID()),
        organizationName: OrganizationName.make("Statement"),
        email: Email.make(`${randomUUID()}@example.com`),
        passwordHash: "x"
      })
    )
    const inventory = yield* InventoryRepository
    yield* inventory.upsertProducts(
      organizationId,
      stock.map((s) => ({ sku: s.sku, name: s.sku }))
    )
    yield* inventory.setOnHand(
      organizationId,
      stock.map((s) => ({ sku: s.sku, location: "default", onHand: s.onHand })),
      "atomic"
    )
    return organizationId
  })

const lines = (...items: ReadonlyArray<readonly [string, number]>) =>
  items.map(([sku, quantity]) => new OrderLine({ sku: Sku.make(sku), quantity, unitPriceCents: 100 }))

/** Runs `effect` and returns it with every statement the SqlClient sent meanwhile. */
const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const sent: Array<string> = []
    const transformer: Statement.Transformer = (statement) =>
      Effect.sync(() => {
        sent.push(statement.compile()[0])
        return statement
      })
    const exit = yield* Effect.exit(effect.pipe(Effect.provideService(Statement.CurrentTransformer, transformer)))
    return { exit, sent }
  })

const rowsOf = (organizationId: OrgId) =>
  Effect.gen(function* () {
    const { sql } = yield* AdminDatabase
    const [row] = yield* sql<{ orders: number; lines: number; reservations: number; reserved: number }>`
      SELECT (SELECT count(*)::int FROM orders WHERE organization_id = ${organizationId}) AS orders,
             (SELECT count(*)::int FROM order_lines WHERE organization_id = ${organizationId}) AS lines,
             (SELECT count(*)::int FROM reservations WHERE organization_id = ${organizationId}) AS reservations,
             (SELECT coalesce(sum(quantity_reserved), 0)::int FROM inventory_levels WHERE organization_id = ${organizationId}) AS reserved`
    return row
  })

const AdminLayer = Layer.unwrap(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ db: string }>`SELECT current_database() AS db`
    const url = new URL("postgres://x@localhost")
    url.pathname = `/${row?.db ?? ""}`
    return AdminDatabase.layer(url.href)
  })
)

describe("order creation in one statement", () => {
  layer(Layer.provideMerge(AdminLayer, Stack), { excludeTestServices: true, timeout: 120_000 })(
    "real Postgres",
    (it) => {
      it.effect("one statement per order, answered from what was written", () =>
        Effect.gen(function* () {
          const org = yield* organisation([
            { sku: "A", onHand: 10 },
            { sku: "B", onHand: 10 }
          ])
          const { exit, sent } = yield* counted(
            Orders.create(org, { lines: lines(["A", 2], ["B", 1], ["A", 1]) }, { kind: "api" })
          )
          assert.isTrue(Exit.isSuccess(exit))
          assert.strictEqual(sent.length, 1, sent.join("\n"))
          assert.match(sent[0] ?? "", /order_create_reserved/)
          if (Exit.isSuccess(exit)) {
            assert.isTrue(exit.value.created)
            assert.deepStrictEqual(
              exit.value.order.lines.map((l) => [l.sku, l.quantity]),
              [
                ["A", 2],
                ["B", 1],
                ["A", 1]
              ]
            )
            assert.isNotNull(exit.value.order.reservationExpiresAt)
          }
          assert.deepStrictEqual(yield* rowsOf(org), { orders: 1, lines: 3, reservations: 2, reserved: 4 })
        })
      )

      it.effect("out of stock: the first product short, consolidated demand and availability; nothing written", () =>
        Effect.gen(function* () {
          const org = yield* organisation([
            { sku: "A", onHand: 10 },
            { sku: "B", onHand: 2 },
            { sku: "C", onHand: 0 }
          ])
          // Whatever the product ids, A is available and the refusal names B or C (both short): the first in
          // product-id order, as the conditional UPDATEs run.
          const refused = yield* Orders.create(
            org,
            { lines: lines(["A", 3], ["B", 2], ["B", 1], ["C", 1]) },
            { kind: "api" }
          ).pipe(Effect.flip)
          assert.strictEqual(refused._tag, "OutOfStock")
          if (refused._tag === "OutOfStock") {
            assert.include(["B", "C"], refused.sku)
            assert.deepStrictEqual(
              { requested: refused.requested, available: refused.available },
              refused.sku === "B" ? { requested: 3, available: 2 } : { requested: 1, available: 0 }
            )
          }
          assert.deepStrictEqual(yield* rowsOf(org), { orders: 0, lines: 0, reservations: 0, reserved: 0 })
        })
      )

      it.effect("unknown SKUs are named in the core's order and nothing is written", () =>
        Effect.gen(function* () {
          const org = yield* organisation([{ sku: "A", onHand: 5 }])
          const refused = yield* Orders.create(
            org,
            { lines: lines(["a-lower", 1], ["A", 1], ["Zed", 1], ["B-upper", 1]) },
            { kind: "api" }
          ).pipe(Effect.flip)
          assert.deepStrictEqual(refused, new UnknownSku({ skus: ["B-upper", "Zed", "a-lower"] }))
          assert.deepStrictEqual(yield* rowsOf(org), { orders: 0, lines: 0, reservations: 0, reserved: 0 })
        })
      )

      it.effect("another organisation's products are unknown; the caller's organisation setting is put back", () =>
        Effect.gen(function* () {
          const mine = yield* organisation([{ sku: "MINE", onHand: 5 }])
          const theirs = yield* organisation([{ sku: "THEIRS", onHand: 5 }])
          const refused = yield* Orders.create(mine, { lines: lines(["THEIRS", 1]) }, { kind: "api" }).pipe(Effect.flip)
          assert.strictEqual(refused._tag, "UnknownSku")
          const sql = yield* SqlClient.SqlClient
          const setting = yield* sql.withTransaction(
            Effect.gen(function* () {
              yield* sql`SELECT set_config('app.org_id', ${theirs}, true)`
              yield* sql`SELECT outcome FROM order_create_reserved(${mine}, ${randomUUID()}, 'api', NULL, NULL, 'default',
                           'EUR', NULL, NULL, '[{"line_no":1,"sku":"MINE","quantity":1,"unit_price_cents":0}]'::jsonb,
                           '[{"sku":"MINE","quantity":1}]'::jsonb)`
              const [row] = yield* sql<{ org: string }>`SELECT current_setting('app.org_id') AS org`
              return row?.org
            })
          )
          assert.strictEqual(setting, theirs)
          assert.deepStrictEqual(yield* rowsOf(mine), { orders: 1, lines: 1, reservations: 1, reserved: 1 })
        })
      )

      it.effect("a channel order created twice is answered as recorded, stock reserved once", () =>
        Effect.gen(function* () {
          const org = yield* organisation([{ sku: "A", onHand: 5 }])
          const { sql } = yield* AdminDatabase
          const connectionId = randomUUID()
          yield* sql`INSERT INTO connections (id, organization_id, provider, status, external_account, credentials)
                     VALUES (${connectionId}, ${org}, 'custom', 'connected', 'x', 'sealed')`
          const source = { kind: "channel" as const, connectionId, externalOrderId: "EXT-1" }
          const first = yield* Orders.create(org, { lines: lines(["A", 2]) }, source)
          const again = yield* Orders.create(org, { lines: lines(["A", 3]) }, source)
          assert.isTrue(first.created)
          assert.isFalse(again.created)
          assert.deepStrictEqual(again.order, first.order)
          assert.isNull(again.order.reservationExpiresAt)
          assert.deepStrictEqual(yield* rowsOf(org), { orders: 1, lines: 1, reservations: 1, reserved: 2 })
        })
      )

      it.effect("60 concurrent two-line orders in opposite line orders: no deadlock, exact stock", () =>
        Effect.gen(function* () {
          const org = yield* organisation([
            { sku: "X", onHand: 40 },
            { sku: "Y", onHand: 40 }
          ])
          const results = yield* Effect.forEach(
            Array.from({ length: 60 }, (_, i) => i),
            (i) =>
              Orders.create(
                org,
                { lines: i % 2 === 0 ? lines(["X", 1], ["Y", 1]) : lines(["Y", 1], ["X", 1]) },
                { kind: "api" }
              ).pipe(Effect.exit),
            { concurrency: "unbounded" }
          )
          const failures = results.filter(Exit.isFailure).map((e) => String(e.cause))
          assert.strictEqual(results.filter(Exit.isSuccess).length, 40)
          assert.isTrue(
            failures.every((f) => f.includes("OutOfStock")),
            failures.find((f) => !f.includes("OutOfStock"))
          )
          assert.deepStrictEqual(yield* rowsOf(org), { orders: 40, lines: 80, reservations: 80, reserved: 80 })
        })
      )

      it.effect("SECURITY INVOKER, and only its owner may execute it", () =>
        Effect.gen(function* () {
          const { sql } = yield* AdminDatabase
          const [fn] = yield* sql<{ definer: boolean; public_exec: boolean; owner: string }>`
            SELECT p.prosecdef AS definer, pg_get_userbyid(p.proowner) AS owner,
                   coalesce(array_to_string(p.proacl, ',') ~ '(^|,)=X', false) AS public_exec
            FROM pg_proc p WHERE p.proname = 'order_create_reserved'`
          assert.deepStrictEqual(fn, { definer: false, public_exec: false, owner: "tradeport" })
        })
      )
    }
  )
})
