/**
 * Orders over HTTP on real Postgres: all-or-nothing reservations (lines of one SKU summed), never oversold under
 * contention, cancel releases and fulfil commits stock, idempotency keys, tenant isolation, and bulk import.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { OrderLine, Sku } from "../../core/orders/Order.ts"
import * as Orders from "../../core/orders/Orders.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { HttpClient, HttpClientRequest } from "effect/http"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

const stock = (token: string, levels: Array<{ sku: string; quantity: number }>) =>
  Effect.gen(function* () {
    yield* call("PUT", "/api/v1/products", {
      token,
      body: { products: levels.map((l) => ({ sku: l.sku, name: l.sku })) }
    })
    const response = yield* call("POST", "/api/v1/inventory/bulk", { token, body: levels })
    assert.strictEqual(response.status, 200, JSON.stringify(yield* json(response)))
  })

const level = (token: string, sku: string) =>
  call("GET", `/api/v1/inventory?sku=${sku}`, { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) => (b["levels"] as Array<Record<string, number>>)[0]!)
  )

const order = (token: string, lines: Array<{ sku: string; quantity: number }>, key?: string) =>
  HttpClient.execute(
    HttpClientRequest.post("/api/v1/orders").pipe(
      HttpClientRequest.bearerToken(token),
      HttpClientRequest.bodyJsonUnsafe({ lines }),
      key === undefined ? (r) => r : HttpClientRequest.setHeader("idempotency-key", key)
    )
  )

const upload = (token: string, body: string, contentType: string, mode?: string) =>
  HttpClient.execute(
    HttpClientRequest.post(`/api/v1/inventory/bulk${mode === undefined ? "" : `?mode=${mode}`}`).pipe(
      HttpClientRequest.bearerToken(token),
      HttpClientRequest.bodyText(body, contentType)
    )
  )

describe("orders", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 120_000 })("on real Postgres", (it) => {
    it.effect("reserves all lines or none; lines of one SKU are summed; cancel releases, fulfil commits", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-a@example.com")
        yield* stock(a.accessToken, [
          { sku: "MUG", quantity: 5 },
          { sku: "TEE", quantity: 3 }
        ])
        const ok = yield* order(a.accessToken, [
          { sku: "MUG", quantity: 2 },
          { sku: "TEE", quantity: 1 }
        ])
        assert.strictEqual(ok.status, 201)
        const created = yield* json(ok)
        assert.strictEqual(created["status"], "reserved")
        assert.deepInclude(yield* level(a.accessToken, "MUG"), { onHand: 5, reserved: 2, available: 3 })

        // 2 + 2 of MUG exceed the 3 available: refused although each line alone would fit; TEE untouched.
        const split = yield* order(a.accessToken, [
          { sku: "MUG", quantity: 2 },
          { sku: "TEE", quantity: 1 },
          { sku: "MUG", quantity: 2 }
        ])
        assert.strictEqual(split.status, 409)
        const problem = yield* json(split)
        assert.strictEqual(problem["code"], "out_of_stock")
        assert.deepInclude(yield* level(a.accessToken, "TEE"), { reserved: 1 })
        const unknown = yield* order(a.accessToken, [{ sku: "NOPE", quantity: 1 }])
        assert.strictEqual(unknown.status, 422)
        assert.strictEqual((yield* json(unknown))["code"], "unknown_sku")

        const cancelled = yield* call("POST", `/api/v1/orders/${created["id"]}/cancel`, { token: a.accessToken }).pipe(
          Effect.flatMap(json)
        )
        assert.strictEqual(cancelled["status"], "cancelled")
        assert.deepInclude(yield* level(a.accessToken, "MUG"), { onHand: 5, reserved: 0 })
        const again = yield* call("POST", `/api/v1/orders/${created["id"]}/fulfil`, { token: a.accessToken })
        assert.strictEqual(again.status, 409)
        assert.strictEqual((yield* json(again))["code"], "illegal_transition")

        const second = yield* order(a.accessToken, [{ sku: "MUG", quantity: 4 }]).pipe(Effect.flatMap(json))
        yield* call("POST", `/api/v1/orders/${second["id"]}/fulfil`, { token: a.accessToken })
        assert.deepInclude(yield* level(a.accessToken, "MUG"), { onHand: 1, reserved: 0, available: 1 })
      })
    )

    it.effect("100 concurrent orders for one SKU with 10 in stock: exactly 10 succeed, nothing oversold", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-contention@example.com")
        yield* stock(a.accessToken, [{ sku: "HOT", quantity: 10 }])
        const statuses = yield* Effect.forEach(
          Array.from({ length: 100 }, (_, i) => i),
          () => order(a.accessToken, [{ sku: "HOT", quantity: 1 }]).pipe(Effect.map((r) => r.status)),
          { concurrency: 25 }
        )
        assert.strictEqual(statuses.filter((s) => s === 201).length, 10)
        assert.strictEqual(statuses.filter((s) => s === 409).length, 90)
        assert.deepInclude(yield* level(a.accessToken, "HOT"), { onHand: 10, reserved: 10, available: 0 })
        const { sql: admin } = yield* AdminDatabase
        const [sum] = yield* admin<{ n: number }>`
          SELECT coalesce(sum(r.quantity), 0)::int AS n FROM reservations r JOIN products p ON p.id = r.product_id
          WHERE p.sku = 'HOT' AND p.organization_id = ${a.organizationId} AND r.status = 'open'`
        assert.strictEqual(sum?.n, 10, "reserved equals the sum of open reservations")
      })
    )

    it.effect("Idempotency-Key: a retry replays the first answer; another payload is 422; one order either way", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-idem@example.com")
        yield* stock(a.accessToken, [{ sku: "KEY", quantity: 10 }])
        const first = yield* order(a.accessToken, [{ sku: "KEY", quantity: 1 }], "retry-1")
        const retry = yield* order(a.accessToken, [{ sku: "KEY", quantity: 1 }], "retry-1")
        assert.strictEqual(first.status, 201)
        assert.strictEqual(retry.status, 201)
        assert.strictEqual((yield* json(retry))["id"], (yield* json(first))["id"])
        const reused = yield* order(a.accessToken, [{ sku: "KEY", quantity: 2 }], "retry-1")
        assert.strictEqual(reused.status, 422)
        assert.strictEqual((yield* json(reused))["code"], "idempotency_key_reused")
        // A client error is remembered too.
        const short = yield* order(a.accessToken, [{ sku: "KEY", quantity: 50 }], "retry-2")
        const shortAgain = yield* order(a.accessToken, [{ sku: "KEY", quantity: 50 }], "retry-2")
        assert.deepStrictEqual([short.status, shortAgain.status], [409, 409])
        // Concurrent duplicates: exactly one order.
        const racing = yield* Effect.forEach(
          [1, 2, 3, 4, 5, 6],
          () => order(a.accessToken, [{ sku: "KEY", quantity: 1 }], "race-1").pipe(Effect.map((r) => r.status)),
          { concurrency: 6 }
        )
        assert.isTrue(
          racing.every((s) => s === 201 || s === 409),
          racing.join(",")
        )
        const list = yield* call("GET", "/api/v1/orders", { token: a.accessToken }).pipe(Effect.flatMap(json))
        assert.strictEqual((list["orders"] as Array<unknown>).length, 2, "retry-1 once, race-1 once")
        assert.deepInclude(yield* level(a.accessToken, "KEY"), { reserved: 2 })
      })
    )

    it.effect("an expired reservation is released by the housekeeping job's use case", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-expiry@example.com")
        yield* stock(a.accessToken, [{ sku: "EXP", quantity: 3 }])
        const { order: held } = yield* Orders.create(
          OrgId.make(a.organizationId),
          {
            lines: [new OrderLine({ sku: Sku.make("EXP"), quantity: 2, unitPriceCents: 0 })]
          },
          { kind: "api" }
        ).pipe(Effect.provideService(Orders.ReservationTtl, Duration.zero))
        assert.deepInclude(yield* level(a.accessToken, "EXP"), { reserved: 2 })
        assert.isAtLeast(yield* Orders.expireReservations(), 1)
        const after = yield* call("GET", `/api/v1/orders/${held.id}`, { token: a.accessToken }).pipe(
          Effect.flatMap(json)
        )
        assert.strictEqual(after["status"], "cancelled")
        assert.deepInclude(yield* level(a.accessToken, "EXP"), { reserved: 0, available: 3 })
      })
    )

    it.effect("cursor pagination returns every order once, even those created in the same millisecond", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-pages@example.com")
        yield* stock(a.accessToken, [{ sku: "PG", quantity: 100 }])
        yield* Effect.forEach(
          Array.from({ length: 60 }, (_, i) => i),
          () => order(a.accessToken, [{ sku: "PG", quantity: 1 }]),
          { concurrency: 20 }
        )
        const seen = new Set<string>()
        let cursor: string | undefined
        for (let page = 0; page < 30; page++) {
          const body = yield* call("GET", `/api/v1/orders?limit=3${cursor === undefined ? "" : `&before=${cursor}`}`, {
            token: a.accessToken
          }).pipe(Effect.flatMap(json))
          for (const o of body["orders"] as Array<Record<string, unknown>>) seen.add(String(o["id"]))
          cursor = body["nextCursor"] === null ? undefined : String(body["nextCursor"])
          if (cursor === undefined) break
        }
        assert.strictEqual(seen.size, 60)
      })
    )

    it.effect("hostile input is a 4xx, never a 500: NUL characters, a forged cursor, an unclosed CSV quote", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-hostile@example.com")
        yield* stock(a.accessToken, [{ sku: "H1", quantity: 5 }])
        const nul = yield* HttpClient.execute(
          HttpClientRequest.post("/api/v1/orders").pipe(
            HttpClientRequest.bearerToken(a.accessToken),
            HttpClientRequest.bodyJsonUnsafe({
              lines: [{ sku: "H1", quantity: 1 }],
              customerEmail: "a\u0000b@example.com"
            })
          )
        )
        assert.include([400, 422], nul.status)
        assert.include([400, 422], (yield* call("GET", "/api/v1/inventory?sku=%00", { token: a.accessToken })).status)
        assert.strictEqual(
          (yield* call("GET", "/api/v1/orders?before=123_------------------------------------", {
            token: a.accessToken
          })).status,
          400
        )
        const unclosed = yield* upload(
          a.accessToken,
          `sku,quantity\n"H1,5\n${"x".repeat(1024 * 1024 + 10)}\n`,
          "text/csv"
        )
        assert.strictEqual(unclosed.status, 422)
        assert.strictEqual((yield* json(unclosed))["code"], "import_format")
        assert.deepInclude(yield* level(a.accessToken, "H1"), { onHand: 5 })
      })
    )

    it.effect("org B cannot see, cancel or fulfil org A's orders", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-tenant-a@example.com")
        const b = yield* signUpAndLogin("orders-tenant-b@example.com")
        yield* stock(a.accessToken, [{ sku: "A1", quantity: 2 }])
        const created = yield* order(a.accessToken, [{ sku: "A1", quantity: 1 }]).pipe(Effect.flatMap(json))
        for (const [method, path] of [
          ["GET", ""],
          ["POST", "/cancel"],
          ["POST", "/fulfil"]
        ] as const) {
          const response = yield* call(method, `/api/v1/orders/${created["id"]}${path}`, { token: b.accessToken })
          assert.strictEqual(response.status, 404, `${method} ${path}`)
        }
        const listB = yield* call("GET", "/api/v1/orders", { token: b.accessToken }).pipe(Effect.flatMap(json))
        assert.deepStrictEqual(listB["orders"], [])
        assert.strictEqual(
          (yield* order(b.accessToken, [{ sku: "A1", quantity: 1 }])).status,
          422,
          "A's SKU does not exist for B"
        )
        assert.deepInclude(yield* level(a.accessToken, "A1"), { reserved: 1 })
      })
    )

    it.effect("bulk import: 500 CSV rows apply in one go; a file with 3 bad rows reports exactly those 3", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("orders-import@example.com")
        const skus = Array.from({ length: 500 }, (_, i) => `SKU-${String(i).padStart(4, "0")}`)
        yield* call("PUT", "/api/v1/products", {
          token: a.accessToken,
          body: { products: skus.map((sku) => ({ sku, name: sku })) }
        })
        const csv = ["sku,quantity", ...skus.map((sku, i) => `${sku},${i}`)].join("\n")
        const started = Date.now()
        const good = yield* upload(a.accessToken, csv, "text/csv")
        assert.strictEqual(good.status, 200)
        assert.deepInclude(yield* json(good), { applied: 500, received: 500, errors: [] })
        assert.isBelow(Date.now() - started, 5_000, "500 rows well under the 5 s the merchant was promised")

        const bad = [
          "sku,quantity",
          "SKU-0001,7",
          "SKU-0002,-3",
          "SKU-9999,1",
          "SKU-0003,2",
          "SKU-0001,8",
          "SKU-0004,4"
        ].join("\n")
        const rejected = yield* upload(a.accessToken, bad, "text/csv")
        assert.strictEqual(rejected.status, 422)
        const report = (yield* json(rejected))["report"] as Record<string, unknown>
        assert.deepStrictEqual(
          (report["errors"] as Array<Record<string, unknown>>).map((e) => [e["row"], e["sku"], e["field"]]),
          [
            [2, "SKU-0002", "quantity"],
            [3, "SKU-9999", "sku"],
            [5, "SKU-0001", "sku"]
          ]
        )
        assert.deepInclude(yield* level(a.accessToken, "SKU-0001"), { onHand: 1 }, "all-or-nothing: nothing applied")
        const partial = yield* upload(a.accessToken, bad, "text/csv", "partial")
        assert.strictEqual(partial.status, 200)
        assert.strictEqual((yield* json(partial))["applied"], 3)
        assert.deepInclude(yield* level(a.accessToken, "SKU-0001"), { onHand: 7 })
        // All-or-nothing with an unknown SKU AND a row below what is reserved (no malformed row): both reported.
        yield* order(a.accessToken, [{ sku: "SKU-0020", quantity: 5 }])
        const refusedTwice = yield* upload(
          a.accessToken,
          ["sku,quantity", "SKU-0020,2", "SKU-NOPE,1", "SKU-0021,3"].join("\n"),
          "text/csv"
        )
        assert.strictEqual(refusedTwice.status, 422)
        const both = ((yield* json(refusedTwice))["report"] as Record<string, unknown>)["errors"] as Array<
          Record<string, unknown>
        >
        assert.deepStrictEqual(
          both.map((e) => [e["sku"], e["field"]]),
          [
            ["SKU-0020", "quantity"],
            ["SKU-NOPE", "sku"]
          ]
        )
        assert.deepInclude(yield* level(a.accessToken, "SKU-0021"), { onHand: 21 }, "nothing applied")
        const ndjson = yield* upload(
          a.accessToken,
          `{"sku":"SKU-0010","quantity":42}\n{"sku":"SKU-0011","quantity":"x"}\n`,
          "application/x-ndjson",
          "partial"
        )
        const ndReport = yield* json(ndjson)
        assert.strictEqual(ndReport["applied"], 1)
        assert.strictEqual((ndReport["errors"] as Array<unknown>).length, 1)
      })
    )
  })
})
