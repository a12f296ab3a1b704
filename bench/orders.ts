/**
 * `npm run bench:orders`: orders through the real HTTP app on real Postgres.
 * - contention: 500 concurrent orders for one SKU with 50 in stock → successes (must be 50), oversold units
 *   (must be 0);
 * - hot row: 2000 orders for one SKU with ample stock (every order reserves, as in pgbench's reference run) →
 *   orders/s against pgbench running the same reservation transaction at the same concurrency;
 * - spread: orders over 1000 SKUs → orders/s and p99.
 * Prints figures; asserts nothing (the tests assert correctness).
 */
import { Effect, Redacted } from "effect"
import postgres from "postgres"
import { pgbench, reservationStatements } from "./support/Pgbench.ts"
import { client, inParallel, machine, percentile, report, startApp } from "./support/App.ts"

const CONTENTION_ORDERS = Number(process.env["BENCH_CONTENTION_ORDERS"] ?? 500)
const CONTENTION_STOCK = Number(process.env["BENCH_CONTENTION_STOCK"] ?? 50)
const HOT_ORDERS = Number(process.env["BENCH_HOT_ORDERS"] ?? 2000)
const WARMUP = Number(process.env["BENCH_WARMUP"] ?? 300)
const SPREAD_ORDERS = Number(process.env["BENCH_SPREAD_ORDERS"] ?? 2000)
const SPREAD_SKUS = 1000
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 32)

const program = Effect.gen(function*() {
  const app = yield* startApp()
  const api = client(app.base)
  const token = yield* Effect.promise(() => api.owner("orders-bench@example.com"))
  const skus = Array.from({ length: SPREAD_SKUS }, (_, i) => `S-${i}`)
  yield* Effect.promise(async () => {
    await api.request("PUT", "/api/v1/products", { products: [{ sku: "HOT", name: "hot" }, { sku: "HOT-ROW", name: "hot row" }, { sku: "PGB-HOT", name: "pgbench hot" }, ...skus.map((sku) => ({ sku, name: sku }))] }, token)
    await api.request("POST", "/api/v1/inventory/bulk", [{ sku: "HOT", quantity: CONTENTION_STOCK }, { sku: "HOT-ROW", quantity: 100_000_000 }, { sku: "PGB-HOT", quantity: 100_000_000 }, ...skus.map((sku) => ({ sku, quantity: 1_000_000 }))], token)
  })

  // Warm-up (JIT, pools, prepared statements), as pgbench's connections are warm before it measures.
  yield* Effect.promise(() => inParallel(WARMUP, CONCURRENCY, async (i) => {
    const r = await api.request("POST", "/api/v1/orders", { lines: [{ sku: skus[(i * 11) % SPREAD_SKUS], quantity: 1 }] }, token)
    if (r.status !== 201) throw new Error(`warm-up order ${r.status}`)
  }))

  let successes = 0
  let refused = 0
  yield* Effect.promise(() => inParallel(CONTENTION_ORDERS, CONCURRENCY, async () => {
    const r = await api.request("POST", "/api/v1/orders", { lines: [{ sku: "HOT", quantity: 1 }] }, token)
    if (r.status === 201) successes++
    else if (r.status === 409) refused++
    else throw new Error(`unexpected ${r.status}`)
  }))

  const hotStart = performance.now()
  yield* Effect.promise(() => inParallel(HOT_ORDERS, CONCURRENCY, async () => {
    const r = await api.request("POST", "/api/v1/orders", { lines: [{ sku: "HOT-ROW", quantity: 1 }] }, token)
    if (r.status !== 201) throw new Error(`hot-row order ${r.status}`)
  }))
  const hotSeconds = (performance.now() - hotStart) / 1000

  // The reference: pgbench running the same reservation transaction on one hot inventory row, same concurrency
  // (its stock topped up so every transaction reserves: the row lock, not the refusal, is what is measured).
  const limit = yield* Effect.promise(async () => {
    const admin = postgres(app.adminUrl.replace(/\/[^/]*$/, "/tradeport_bench"), { max: 1, onnotice: () => undefined })
    try {
      const [row] = await admin<Array<{ org: string; product: string }>>`
        SELECT organization_id::text AS org, id::text AS product FROM products WHERE sku = 'PGB-HOT'`
      return row === undefined ? undefined : pgbench({
        url: Redacted.value(app.databaseUrl),
        clients: CONCURRENCY,
        transactions: HOT_ORDERS,
        variables: { org: row.org, conn: "none", product: row.product, sku: "PGB-HOT" },
        script: `\\set n random(1, 2000000000)\nBEGIN;\nSELECT set_config('app.org_id', :org::text, true);\n${reservationStatements}\nCOMMIT;\n`
      })
    } finally {
      await admin.end()
    }
  })
  const hot = yield* Effect.promise(() => api.request("GET", "/api/v1/inventory?sku=HOT", undefined, token))
  const level = (hot.body["levels"] as Array<Record<string, number>>)[0]!
  const oversold = Math.max(0, level["reserved"]! - CONTENTION_STOCK, successes - CONTENTION_STOCK)

  const latencies: Array<number> = []
  const spreadStart = performance.now()
  yield* Effect.promise(() => inParallel(SPREAD_ORDERS, CONCURRENCY, async (i) => {
    const t0 = performance.now()
    const r = await api.request("POST", "/api/v1/orders", {
      lines: [{ sku: skus[(i * 7) % SPREAD_SKUS], quantity: 1 }, { sku: skus[(i * 13 + 1) % SPREAD_SKUS], quantity: 2 }]
    }, token)
    if (r.status !== 201) throw new Error(`spread order ${r.status}`)
    latencies.push(performance.now() - t0)
  }))
  const spreadSeconds = (performance.now() - spreadStart) / 1000
  latencies.sort((a, b) => a - b)

  console.log(`\nbench:orders — ${machine()}; ${app.description}; concurrency ${CONCURRENCY}`)
  const rows: Array<[string, string]> = [
    [`hot SKU: successes (stock ${CONTENTION_STOCK})`, String(successes)],
    ["hot SKU: refused (409 out_of_stock)", String(refused)],
    ["hot SKU: oversold units", String(oversold)],
    [`hot row: orders/s (${HOT_ORDERS}, all reserve)`, (HOT_ORDERS / hotSeconds).toFixed(0)],
    [`spread (${SPREAD_SKUS} SKUs, 2 lines): orders/s`, (SPREAD_ORDERS / spreadSeconds).toFixed(0)],
    ["spread: p50 (ms)", percentile(latencies, 50).toFixed(1)],
    ["spread: p99 (ms)", percentile(latencies, 99).toFixed(1)]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(42)} ${value.padStart(10)}`)
  if (limit !== undefined) console.log(`${"pgbench, same transaction, hot row, tx/s".padEnd(42)} ${limit.tps.toFixed(0).padStart(10)}`)
  report({
    scenario: `orders, hot SKU (${HOT_ORDERS} at ${CONCURRENCY} conns, 1 SKU)`, unit: "orders/s", tradeport: HOT_ORDERS / hotSeconds,
    ...(limit === undefined ? {} : { reference: { name: "pgbench, same transaction, one hot row", value: limit.tps } }),
    better: "higher", target: "≥ 0.8× pgbench"
  })
  report({ scenario: "orders, hot SKU: oversold units", unit: "units", tradeport: oversold, better: "lower", target: "= 0" })
  report({ scenario: `orders, spread (${SPREAD_SKUS} SKUs): p99`, unit: "ms", tradeport: percentile(latencies, 99), better: "lower", target: "—" })
})

Effect.runPromise(Effect.scoped(program)).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
