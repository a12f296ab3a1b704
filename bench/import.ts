/**
 * `npm run bench:import`: a 100k-row CSV streamed through `POST /api/v1/inventory/bulk` (validated, COPY'd into
 * staging, one upsert) against, in the same run and alternating rounds:
 *
 * - like-for-like: COPY of the same rows into inventory_levels itself, its indexes, checks and foreign key included
 *   (product ids resolved beforehand, as a superuser since COPY FROM refuses tables under row-level security) — the
 *   physical limit of writing these levels (target: the import ≤ 1.5× this);
 * - plain: COPY of the same CSV bytes into an unindexed table of the CSV's columns (the previous reference; not the
 *   same work, reported beside it).
 *
 * Before each timed write the organisation's levels are deleted and the table vacuumed, so every contender inserts
 * into the same state. A re-import over existing levels (the update path) is timed too, for information. Figures are
 * medians of BENCH_IMPORT_ROUNDS rounds (default 5) whose order rotates; nothing is asserted.
 */
import { Effect, Redacted } from "effect"
import postgres from "postgres"
import { client, machine, report, startApp } from "./support/App.ts"

const ROWS = Number(process.env["BENCH_IMPORT_ROWS"] ?? 100_000)
const ROUNDS = Number(process.env["BENCH_IMPORT_ROUNDS"] ?? 5)

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Writes `text` into a COPY … FROM STDIN and resolves when the server has taken it all. */
const copyInto = async (sql: postgres.Sql, statement: string, text: string) => {
  const writable = await sql.unsafe(statement).writable()
  await new Promise<void>((resolve, reject) => {
    writable.on("error", reject)
    writable.on("finish", () => resolve())
    writable.end(text)
  })
}

const program = Effect.gen(function* () {
  const app = yield* startApp({
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
  const csvOf = (count: number, salt: number) =>
    ["sku,quantity,location", ...skus.slice(0, count).map((sku, i) => `${sku},${(i * 7 + salt) % 1000},default`)].join(
      "\n"
    )
  const importCsv = async (csv: string, count: number) => {
    const t0 = performance.now()
    const response = await fetch(`${app.base}/api/v1/inventory/bulk`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      body: csv
    })
    const body = (await response.json()) as Record<string, unknown>
    const seconds = (performance.now() - t0) / 1000
    if (response.status !== 200 || body["applied"] !== count)
      throw new Error(`import ${response.status} ${JSON.stringify(body).slice(0, 300)}`)
    return seconds
  }

  // A superuser on the bench database: COPY into inventory_levels (row-level security refuses COPY FROM otherwise).
  const adminUrl = new URL(app.adminUrl)
  adminUrl.pathname = new URL(Redacted.value(app.databaseUrl)).pathname
  const admin = postgres(adminUrl.href, { max: 1, onnotice: () => undefined })
  const plain = postgres(Redacted.value(app.databaseUrl), { max: 1, onnotice: () => undefined })
  yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([admin.end(), plain.end()])))

  const small = yield* Effect.promise(() => importCsv(csvOf(500, 0), 500))
  const csv = csvOf(ROWS, 0)
  const [organization] = yield* Effect.promise(
    () => admin<Array<{ id: string }>>`SELECT organization_id AS id FROM products WHERE sku = 'IMP-0'`
  )
  if (organization === undefined) return yield* Effect.die(new Error("bench organisation not found"))
  const products = yield* Effect.promise(
    () => admin<Array<{ id: string; sku: string }>>`
      SELECT id, sku FROM products WHERE organization_id = ${organization.id}`
  )
  const productOf = new Map(products.map((p) => [p.sku, p.id]))
  const levelsCopy = skus
    .map((sku, i) => `${organization.id}\t${productOf.get(sku)}\tdefault\t${(i * 7) % 1000}\n`)
    .join("")
  yield* Effect.promise(
    () =>
      plain`CREATE TABLE IF NOT EXISTS bench_copy (sku text NOT NULL, quantity integer NOT NULL, location text NOT NULL)`
  )

  const fresh = async () => {
    await admin`DELETE FROM inventory_levels WHERE organization_id = ${organization.id}`
    await admin`VACUUM inventory_levels`
  }
  const contenders: Record<string, () => Promise<number>> = {
    tradeport: async () => {
      await fresh()
      return importCsv(csv, ROWS)
    },
    likeForLike: async () => {
      await fresh()
      const t0 = performance.now()
      await copyInto(
        admin,
        "COPY inventory_levels (organization_id, product_id, location, quantity_on_hand) FROM STDIN",
        levelsCopy
      )
      // On this one connection the next statement waits for the COPY to complete.
      const [count] = await admin<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM inventory_levels WHERE organization_id = ${organization.id}`
      const seconds = (performance.now() - t0) / 1000
      if (count?.n !== ROWS) throw new Error(`COPY loaded ${count?.n} levels`)
      return seconds
    },
    plainCopy: async () => {
      await plain`TRUNCATE bench_copy`
      const t0 = performance.now()
      await copyInto(plain, "COPY bench_copy (sku, quantity, location) FROM STDIN WITH (FORMAT csv, HEADER true)", csv)
      const [count] = await plain<Array<{ n: number }>>`SELECT count(*)::int AS n FROM bench_copy`
      const seconds = (performance.now() - t0) / 1000
      if (count?.n !== ROWS) throw new Error(`COPY loaded ${count?.n} rows`)
      return seconds
    },
    // Levels exist (the like-for-like COPY or the import left them): every row is an update.
    reimport: async () => importCsv(csvOf(ROWS, 1), ROWS)
  }
  const names = Object.keys(contenders)
  const times: Record<string, Array<number>> = Object.fromEntries(names.map((n) => [n, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order (the re-import always follows a fresh write, whichever it was).
    const order = names.filter((n) => n !== "reimport").map((_, i, all) => all[(i + round) % all.length] ?? "")
    for (const name of [...order, "reimport"]) {
      const run = contenders[name]
      if (run === undefined) continue
      times[name]?.push(yield* Effect.promise(run))
    }
  }
  const m = (name: string) => median(times[name] ?? [])
  const rows: Array<[string, string]> = [
    ["500 rows: seconds", small.toFixed(3)],
    [`${ROWS} rows: body MiB`, (csv.length / 1024 / 1024).toFixed(1)],
    [`${ROWS} rows: Tradeport s`, m("tradeport").toFixed(2)],
    [`  COPY into inventory_levels s`, m("likeForLike").toFixed(2)],
    [`  ratio (target ≤ 1.5×)`, `${(m("tradeport") / m("likeForLike")).toFixed(2)}×`],
    [`  plain COPY (unindexed) s`, m("plainCopy").toFixed(2)],
    [`  ratio to plain COPY`, `${(m("tradeport") / m("plainCopy")).toFixed(2)}×`],
    [`${ROWS} rows: re-import s`, m("reimport").toFixed(2)],
    [`${ROWS} rows: rows/s`, (ROWS / m("tradeport")).toFixed(0)]
  ]
  console.log(`\nbench:import — ${machine()}; ${app.description}; medians of ${ROUNDS} alternating rounds`)
  for (const [name, value] of rows) console.log(`${name.padEnd(32)} ${value.padStart(10)}`)
  console.log(
    `rounds (s): ${names.map((n) => `${n} ${(times[n] ?? []).map((t) => t.toFixed(2)).join("/")}`).join("; ")}`
  )
  report({
    scenario: `import ${ROWS} rows (validated, COPY staging, one upsert)`,
    unit: "s",
    tradeport: m("tradeport"),
    reference: { name: "COPY into inventory_levels (same indexes, checks, foreign key)", value: m("likeForLike") },
    better: "lower",
    target: "≤ 1.5× COPY into the same table (ratio ≥ 0.67×)"
  })
  report({
    scenario: `import ${ROWS} rows vs plain COPY (unindexed table; not the same work)`,
    unit: "s",
    tradeport: m("tradeport"),
    reference: { name: "COPY of the same CSV into an unindexed table", value: m("plainCopy") },
    better: "lower",
    target: "reported beside the like-for-like row"
  })
  report({
    scenario: "import 500 rows (seed: 5 s)",
    unit: "s",
    tradeport: small,
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
