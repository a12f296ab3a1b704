/**
 * `npm run bench:import`: a 100k-row CSV (default) streamed through `POST /api/v1/inventory/bulk`, validated and
 * applied in one transaction → seconds and rows/s; plus the seed's 500-row case.
 */
import { Effect, Redacted } from "effect"
import postgres from "postgres"
import { client, machine, report, startApp } from "./support/App.ts"

const ROWS = Number(process.env["BENCH_IMPORT_ROWS"] ?? 100_000)

const program = Effect.gen(function* () {
  const app = yield* startApp({
    HTTP_MAX_BODY_SIZE: "64 MiB",
    REQUEST_TIMEOUT: "120 seconds",
    DATABASE_STATEMENT_TIMEOUT: "120 seconds"
  })
  const api = client(app.base)
  const token = yield* Effect.promise(() => api.owner("import-bench@example.com"))
  const skus = Array.from({ length: ROWS }, (_, i) => `IMP-${i}`)
  yield* Effect.promise(async () => {
    for (let i = 0; i < skus.length; i += 10_000) {
      const r = await api.request(
        "PUT",
        "/api/v1/products",
        { products: skus.slice(i, i + 10_000).map((sku) => ({ sku, name: sku })) },
        token
      )
      if (r.status !== 200) throw new Error(`products ${r.status}`)
    }
  })
  const run = (count: number) =>
    Effect.promise(async () => {
      const csv = [
        "sku,quantity,location",
        ...skus.slice(0, count).map((sku, i) => `${sku},${(i * 7) % 1000},default`)
      ].join("\n")
      const t0 = performance.now()
      const response = await fetch(`${app.base}/api/v1/inventory/bulk`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
        body: csv
      })
      const report = (await response.json()) as Record<string, unknown>
      const seconds = (performance.now() - t0) / 1000
      if (response.status !== 200 || report["applied"] !== count)
        throw new Error(`import ${response.status} ${JSON.stringify(report).slice(0, 300)}`)
      return { seconds, bytes: csv.length }
    })
  const small = yield* run(500)
  const large = yield* run(ROWS)

  // The reference: the same CSV bytes COPY'd into a table of the same columns — the physical floor of "get these
  // rows into Postgres", without validation, SKU lookups or inventory updates.
  const copySeconds = yield* Effect.promise(async () => {
    const csv = ["sku,quantity,location", ...skus.map((sku, i) => `${sku},${(i * 7) % 1000},default`)].join("\n")
    const sql = postgres(Redacted.value(app.databaseUrl), { max: 1, onnotice: () => undefined })
    try {
      await sql`CREATE TABLE IF NOT EXISTS bench_copy (sku text NOT NULL, quantity integer NOT NULL, location text NOT NULL)`
      await sql`TRUNCATE bench_copy`
      const t0 = performance.now()
      const writable =
        await sql`COPY bench_copy (sku, quantity, location) FROM STDIN WITH (FORMAT csv, HEADER true)`.writable()
      await new Promise<void>((resolve, reject) => {
        writable.on("error", reject)
        writable.on("finish", () => resolve())
        writable.end(csv)
      })
      // The stream finishing means the bytes left; the next statement on this one connection waits for the COPY.
      const [count] = await sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM bench_copy`
      const seconds = (performance.now() - t0) / 1000
      if (count?.n !== ROWS) throw new Error(`COPY loaded ${count?.n} rows`)
      return seconds
    } finally {
      await sql.end()
    }
  })
  console.log(`\nbench:import — ${machine()}; ${app.description}`)
  const rows: Array<[string, string]> = [
    ["500 rows: seconds", small.seconds.toFixed(3)],
    [`${ROWS} rows: seconds`, large.seconds.toFixed(2)],
    [`${ROWS} rows: rows/s`, (ROWS / large.seconds).toFixed(0)],
    [`${ROWS} rows: body MiB`, (large.bytes / 1024 / 1024).toFixed(1)],
    [`${ROWS} rows: COPY seconds`, copySeconds.toFixed(2)]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(26)} ${value.padStart(10)}`)
  report({
    scenario: `import ${ROWS} rows (validated, one transaction)`,
    unit: "s",
    tradeport: large.seconds,
    reference: { name: "COPY of the same CSV", value: copySeconds },
    better: "lower",
    target: "≤ 4× COPY (ratio ≥ 0.25×)"
  })
  report({
    scenario: "import 500 rows (seed: 5 s)",
    unit: "s",
    tradeport: small.seconds,
    better: "lower",
    target: "< 5 s"
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
