/**
 * `npm run bench:orders`: orders through the real HTTP app on real Postgres.
 * - contention: 500 concurrent orders for one SKU with 50 in stock → successes (must be 50), oversold units
 *   (must be 0);
 * - hot row: 2000 orders for one SKU with ample stock (every order reserves, as in pgbench's reference runs) →
 *   orders/s against pgbench running our one statement (`order_create_reserved()`, the physical limit of this
 *   design) and the former multi-statement transaction at the same concurrency, in alternating rounds (medians);
 * - spread: orders over 1000 SKUs → orders/s and p99.
 * Prints figures; asserts nothing (the tests assert correctness).
 */
import { Effect, Redacted } from "effect"
import postgres from "postgres"
import { median, orderFunctionStatement, pgbench, reservationStatements } from "./support/Pgbench.ts"
import { client, machine, report, startApp } from "./support/App.ts"
import { AUTOCANNON, load, statusLine } from "./support/Load.ts"

const CONTENTION_ORDERS = Number(process.env["BENCH_CONTENTION_ORDERS"] ?? 500)
const CONTENTION_STOCK = Number(process.env["BENCH_CONTENTION_STOCK"] ?? 50)
const HOT_ORDERS = Number(process.env["BENCH_HOT_ORDERS"] ?? 2000)
const WARMUP = Number(process.env["BENCH_WARMUP"] ?? 300)
const SPREAD_ORDERS = Number(process.env["BENCH_SPREAD_ORDERS"] ?? 2000)
const SPREAD_SKUS = 1000
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 32)
/** Alternating rounds of Tradeport and pgbench on the hot row; medians are reported. */
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3)

const program = Effect.gen(function* () {
  const app = yield* startApp()
  const api = client(app.base)
  const token = yield* Effect.promise(() => api.owner("orders-bench@example.com"))
  const skus = Array.from({ length: SPREAD_SKUS }, (_, i) => `S-${i}`)
  yield* Effect.promise(async () => {
    await api.request(
      "PUT",
      "/api/v1/products",
      {
        products: [
          { sku: "HOT", name: "hot" },
          { sku: "HOT-ROW", name: "hot row" },
          { sku: "PGB-HOT", name: "pgbench hot" },
          ...skus.map((sku) => ({ sku, name: sku }))
        ]
      },
      token
    )
    await api.request(
      "POST",
      "/api/v1/inventory/bulk",
      [
        { sku: "HOT", quantity: CONTENTION_STOCK },
        { sku: "HOT-ROW", quantity: 100_000_000 },
        { sku: "PGB-HOT", quantity: 100_000_000 },
        ...skus.map((sku) => ({ sku, quantity: 1_000_000 }))
      ],
      token
    )
  })

  const orders = (bodies: ReadonlyArray<unknown>) =>
    bodies.map((body) => ({
      method: "POST",
      path: "/api/v1/orders",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body)
    }))
  const run = (bodies: ReadonlyArray<unknown>) =>
    Effect.promise(() =>
      load({ url: app.base, connections: CONCURRENCY, amount: bodies.length, requests: orders(bodies) })
    )
  // Warm-up (JIT, pools, prepared statements), as pgbench's connections are warm before it measures.
  const warm = yield* run(
    Array.from({ length: WARMUP }, (_, i) => ({ lines: [{ sku: skus[(i * 11) % SPREAD_SKUS], quantity: 1 }] }))
  )
  if (Object.keys(warm.statuses).some((s) => s !== "201")) throw new Error(`warm-up orders: ${statusLine(warm)}`)

  const contention = yield* run(
    Array.from({ length: CONTENTION_ORDERS }, () => ({ lines: [{ sku: "HOT", quantity: 1 }] }))
  )
  const successes = contention.statuses["201"] ?? 0
  const refused = contention.statuses["409"] ?? 0
  if (successes + refused !== CONTENTION_ORDERS) throw new Error(`contention: ${statusLine(contention)}`)

  // The references: pgbench on one hot inventory row, same concurrency (its stock topped up so every transaction
  // reserves: the row lock, not the refusal, is what is measured) — our one statement, and the former transaction.
  const pgb = yield* Effect.promise(async () => {
    const admin = postgres(app.adminUrl.replace(/\/[^/]*$/, "/tradeport_bench"), { max: 1, onnotice: () => undefined })
    try {
      const [row] = await admin<Array<{ org: string; product: string }>>`
        SELECT organization_id::text AS org, id::text AS product FROM products WHERE sku = 'PGB-HOT'`
      return row
    } finally {
      await admin.end()
    }
  })
  const limit = (script: string) =>
    pgb === undefined
      ? undefined
      : pgbench({
          url: Redacted.value(app.databaseUrl),
          clients: CONCURRENCY,
          transactions: HOT_ORDERS,
          variables: { org: pgb.org, conn: "none", product: pgb.product, sku: "PGB-HOT" },
          script
        })?.tps
  const transaction = `\\set n random(1, 2000000000)\nBEGIN;\nSELECT set_config('app.org_id', :org::text, true);\n${reservationStatements}\nCOMMIT;\n`
  const rounds: Array<{ hot: Awaited<ReturnType<typeof load>>; fn: number | undefined; tx: number | undefined }> = []
  for (let round = 0; round < ROUNDS; round++) {
    const hot = yield* run(Array.from({ length: HOT_ORDERS }, () => ({ lines: [{ sku: "HOT-ROW", quantity: 1 }] })))
    if (Object.keys(hot.statuses).some((s) => s !== "201")) throw new Error(`hot-row orders: ${statusLine(hot)}`)
    rounds.push({ hot, fn: limit(orderFunctionStatement), tx: limit(transaction) })
  }
  const hot = { rps: median(rounds.map((r) => r.hot.rps)), p99: median(rounds.map((r) => r.hot.p99)) }
  const fns = rounds.flatMap((r) => (r.fn === undefined ? [] : [r.fn]))
  const txs = rounds.flatMap((r) => (r.tx === undefined ? [] : [r.tx]))
  const list = (values: ReadonlyArray<number>) => values.map((v) => v.toFixed(0)).join(" / ")
  const hotLevel = yield* Effect.promise(() => api.request("GET", "/api/v1/inventory?sku=HOT", undefined, token))
  const level = (hotLevel.body["levels"] as Array<Record<string, number>>)[0]!
  const oversold = Math.max(0, level["reserved"]! - CONTENTION_STOCK, successes - CONTENTION_STOCK)

  const spread = yield* run(
    Array.from({ length: SPREAD_ORDERS }, (_, i) => ({
      lines: [
        { sku: skus[(i * 7) % SPREAD_SKUS], quantity: 1 },
        { sku: skus[(i * 13 + 1) % SPREAD_SKUS], quantity: 2 }
      ]
    }))
  )
  if (Object.keys(spread.statuses).some((s) => s !== "201")) throw new Error(`spread orders: ${statusLine(spread)}`)

  console.log(`\nbench:orders — ${machine()}; ${app.description}; ${CONCURRENCY} connections, ${AUTOCANNON}`)
  const rows: Array<[string, string]> = [
    [`hot SKU: successes (stock ${CONTENTION_STOCK})`, String(successes)],
    ["hot SKU: refused (409 out_of_stock)", String(refused)],
    ["hot SKU: oversold units", String(oversold)],
    [`hot row: orders/s (${HOT_ORDERS}, all reserve; median)`, hot.rps.toFixed(0)],
    ["hot row: rounds", list(rounds.map((r) => r.hot.rps))],
    ["hot row: p99 (ms, median)", hot.p99.toFixed(1)],
    [`spread (${SPREAD_SKUS} SKUs, 2 lines): orders/s`, spread.rps.toFixed(0)],
    ["spread: p50 (ms)", spread.p50.toFixed(1)],
    ["spread: p99 (ms)", spread.p99.toFixed(1)]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(42)} ${value.padStart(10)}`)
  if (fns.length > 0)
    console.log(
      `${"pgbench order_create_reserved(), tx/s".padEnd(42)} ${median(fns).toFixed(0).padStart(10)} (${list(fns)})`
    )
  if (txs.length > 0)
    console.log(
      `${"pgbench former transaction, tx/s".padEnd(42)} ${median(txs).toFixed(0).padStart(10)} (${list(txs)})`
    )
  report({
    scenario: `orders, hot SKU (${HOT_ORDERS} at ${CONCURRENCY} conns, 1 SKU)`,
    unit: "orders/s",
    tradeport: hot.rps,
    ...(fns.length === 0
      ? {}
      : { reference: { name: "pgbench, order_create_reserved() one statement, one hot row", value: median(fns) } }),
    better: "higher",
    target: "≥ 0.7× pgbench"
  })
  if (txs.length > 0)
    report({
      scenario: "orders, hot SKU vs the former transaction",
      unit: "orders/s",
      tradeport: hot.rps,
      reference: { name: "pgbench, former multi-statement transaction, one hot row", value: median(txs) },
      better: "higher",
      target: "—"
    })
  report({
    scenario: "orders, hot SKU: oversold units",
    unit: "units",
    tradeport: oversold,
    better: "lower",
    target: "= 0"
  })
  report({ scenario: "orders, hot SKU: p99", unit: "ms", tradeport: hot.p99, better: "lower", target: "—" })
  report({
    scenario: `orders, spread (${SPREAD_SKUS} SKUs, 2 lines)`,
    unit: "orders/s",
    tradeport: spread.rps,
    better: "higher",
    target: "—"
  })
  report({
    scenario: `orders, spread (${SPREAD_SKUS} SKUs): p99`,
    unit: "ms",
    tradeport: spread.p99,
    better: "lower",
    target: "—"
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
