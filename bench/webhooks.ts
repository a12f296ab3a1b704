/**
 * `npm run bench:webhooks`: signed Standard Webhooks deliveries per second through the full pipeline (HTTP →
 * verify → dedupe → one transaction creating a channel order) with 10% duplicates; prints the duplicates that
 * were applied (must be 0) and checks the database agrees.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { signedDelivery } from "../test/support/Webhooks.ts"
import { client, inParallel, machine, percentile, report, startApp } from "./support/App.ts"

const DELIVERIES = Number(process.env["BENCH_DELIVERIES"] ?? 3000)
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 32)

const program = Effect.gen(function*() {
  const app = yield* startApp()
  const api = client(app.base)
  const token = yield* Effect.promise(() => api.owner("webhooks-bench@example.com"))
  const source = yield* Effect.promise(async () => {
    await api.request("PUT", "/api/v1/products", { products: [{ sku: "WB", name: "wb" }] }, token)
    await api.request("POST", "/api/v1/inventory/bulk", [{ sku: "WB", quantity: 100_000_000 }], token)
    return (await api.request("POST", "/api/v1/connections/custom", { name: "bench" }, token)).body
  })
  const path = new URL(String(source["webhookUrl"])).pathname
  const secret = String(source["webhookSecret"])
  const unique = Math.round(DELIVERIES * 0.9)
  const deliveries = Array.from({ length: unique }, (_, i) =>
    signedDelivery(secret, { type: "order.created", data: { externalOrderId: `WB-${i}`, lines: [{ sku: "WB", quantity: 1 }] } }))
  // 10% of the traffic re-sends a delivery already sent (same id and signature), as providers retry.
  const schedule = Array.from({ length: DELIVERIES }, (_, i) => (i < unique ? deliveries[i]! : deliveries[(i * 7919) % unique]!))
  const outcomes = new Map<string, number>()
  const latencies: Array<number> = []
  const started = performance.now()
  yield* Effect.promise(() => inParallel(DELIVERIES, CONCURRENCY, async (i) => {
    const delivery = schedule[i]!
    const t0 = performance.now()
    const response = await fetch(`${app.base}${path}`, { method: "POST", headers: delivery.headers, body: delivery.body })
    const body = (await response.json()) as Record<string, unknown>
    latencies.push(performance.now() - t0)
    const key = response.status === 200 ? String(body["outcome"]) : `HTTP ${response.status}`
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
  }))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const [counts] = yield* Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ orders: number; events: number }>`
      SELECT (SELECT count(*)::int FROM orders WHERE external_order_id LIKE 'WB-%') AS orders,
             (SELECT count(*)::int FROM webhook_events WHERE outcome = 'applied') AS events`
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(app.adminUrl.replace(/\/[^/]*$/, "/tradeport_bench")), maxConnections: 1 })))
  console.log(`\nbench:webhooks — ${machine()}; ${app.description}; ${DELIVERIES} deliveries (${DELIVERIES - unique} duplicates) at concurrency ${CONCURRENCY}`)
  const rows: Array<[string, string]> = [
    ["deliveries/s", (DELIVERIES / seconds).toFixed(0)],
    ["p50 (ms)", percentile(latencies, 50).toFixed(1)],
    ["p99 (ms)", percentile(latencies, 99).toFixed(1)],
    ["outcomes", [...outcomes].map(([k, v]) => `${k}=${v}`).join(" ")],
    ["orders created (must equal unique)", `${counts?.orders} / ${unique}`],
    ["duplicates applied (must be 0)", String((counts?.events ?? 0) - unique)]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(36)} ${value}`)
  report({ scenario: `webhooks (${CONCURRENCY} conns, ${Math.round(100 * (DELIVERIES - unique) / DELIVERIES)}% duplicates)`, unit: "deliveries/s", tradeport: DELIVERIES / seconds, better: "higher", target: "≥ 0.7× pgbench, ≥ 1.0× node:http" })
  report({ scenario: "webhooks p99", unit: "ms", tradeport: percentile(latencies, 99), better: "lower", target: "< 50 ms" })
  report({ scenario: "webhooks: duplicates applied", unit: "events", tradeport: (counts?.events ?? 0) - unique, better: "lower", target: "= 0" })
})

Effect.runPromise(Effect.scoped(program)).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
