/**
 * `npm run bench`: every benchmark in turn (each starts its own PostgreSQL and Redis, as the tests do), then one
 * table — scenario, Tradeport's figure, the reference measured in the same run, the ratio, the target — with the
 * machine and versions. Benchmarks print figures; nothing here asserts.
 */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { pgbenchBinary } from "./support/Pgbench.ts"

const BENCHES = ["http", "webhooks", "orders", "buckets", "import", "auth", "ratelimit", "tokens"]

interface Row {
  readonly scenario: string
  readonly unit: string
  readonly tradeport: number
  readonly reference?: { readonly name: string; readonly value: number }
  readonly better: "higher" | "lower"
  readonly target: string
}

const rows: Array<Row> = []
for (const name of BENCHES) {
  process.stdout.write(`running bench:${name}… `)
  const started = Date.now()
  const run = spawnSync(process.execPath, [`bench/${name}.ts`], {
    encoding: "utf8",
    env: process.env,
    maxBuffer: 64 * 1024 * 1024
  })
  console.log(
    `${((Date.now() - started) / 1000).toFixed(0)} s${run.status === 0 ? "" : ` — FAILED (exit ${run.status})`}`
  )
  if (run.status !== 0) console.log(run.stderr.slice(-2000))
  for (const line of run.stdout.split("\n")) {
    if (line.startsWith("BENCH ")) rows.push(JSON.parse(line.slice(6)) as Row)
    // Each bench's header: what it ran on (PostgreSQL and Redis versions and settings, connections).
    if (line.startsWith(`bench:${name} — `)) console.log(`  ${line}`)
  }
}

const figure = (n: number) => (Number.isInteger(n) || n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(3))
const pgbenchVersion = (() => {
  const binary = pgbenchBinary()
  return binary === undefined ? "not found" : spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim()
})()
const autocannonVersion = (
  JSON.parse(readFileSync(new URL("../node_modules/autocannon/package.json", import.meta.url), "utf8")) as {
    version: string
  }
).version
console.log(
  `\nTradeport benchmarks — ${new Date().toISOString().slice(0, 10)}; ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
)
console.log(
  `Load: autocannon ${autocannonVersion} in its own process, 32 connections; reference transactions: ${pgbenchVersion}; each bench's PostgreSQL and Redis (versions, settings) are in its header above.`
)
console.log("| scenario | Tradeport | reference (same run) | ratio | target |")
console.log("|---|---|---|---|---|")
for (const row of rows) {
  const ratio =
    row.reference === undefined || row.reference.value === 0
      ? "—"
      : `${(row.better === "higher" ? row.tradeport / row.reference.value : row.reference.value / row.tradeport).toFixed(2)}×`
  const reference =
    row.reference === undefined ? "—" : `${figure(row.reference.value)} ${row.unit} (${row.reference.name})`
  console.log(`| ${row.scenario} | ${figure(row.tradeport)} ${row.unit} | ${reference} | ${ratio} | ${row.target} |`)
}
