/**
 * PostgreSQL's pgbench as a reference: the same SQL transaction a Tradeport operation runs, at the same
 * concurrency, with nothing in front of the database. Found at PGBENCH, or Debian's /usr/lib/postgresql/<n>/bin;
 * absent → the reference is reported as not measured. (A pgbench older than the server is fine: it is a client.)
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const pgbenchBinary = (): string | undefined => {
  const given = process.env["PGBENCH"]
  if (given !== undefined && existsSync(given)) return given
  const root = "/usr/lib/postgresql"
  if (!existsSync(root)) return undefined
  const found = readdirSync(root)
    .map((v) => join(root, v, "bin", "pgbench"))
    .filter(existsSync)
    .sort()
    .pop()
  return found
}

/** Runs `script` (pgbench syntax, extended protocol: `:name` are bound parameters) → transactions per second. */
export const pgbench = (options: {
  readonly url: string
  readonly script: string
  readonly clients: number
  readonly transactions: number
  readonly variables: Readonly<Record<string, string>>
}): { readonly tps: number; readonly latencyMs: number } | undefined => {
  const binary = pgbenchBinary()
  if (binary === undefined) return undefined
  const file = join(mkdtempSync(join(tmpdir(), "pgbench-")), "script.sql")
  writeFileSync(file, options.script)
  const perClient = Math.max(1, Math.floor(options.transactions / options.clients))
  const run = spawnSync(
    binary,
    [
      "--no-vacuum",
      "--protocol=extended",
      `--client=${options.clients}`,
      `--jobs=${Math.min(options.clients, 2)}`,
      `--transactions=${perClient}`,
      `--file=${file}`,
      ...Object.entries(options.variables).map(([k, v]) => `--define=${k}=${v}`),
      options.url
    ],
    { encoding: "utf8" }
  )
  const output = `${run.stdout}\n${run.stderr}`
  const tps = /tps = ([\d.]+)/.exec(output)?.[1]
  const latency = /latency average = ([\d.]+) ms/.exec(output)?.[1]
  if (run.status !== 0 || tps === undefined) throw new Error(`pgbench failed: ${output.slice(-1500)}`)
  return { tps: Number(tps), latencyMs: Number(latency ?? "NaN") }
}

/**
 * The order-with-reservation transaction Tradeport runs (order, line, stock reserved, reservation), as SQL;
 * `:conn` is the channel connection, or 'none' for an API order.
 */
export const reservationStatements = `
WITH o AS (
  INSERT INTO orders (id, organization_id, connection_id, external_order_id, source, status, location, currency)
  VALUES (gen_random_uuid(), :org::uuid, nullif(:conn::text, 'none')::uuid, 'PGB-' || :client_id::text || '-' || :n::text,
          CASE WHEN :conn::text = 'none' THEN 'api' ELSE 'channel' END, 'reserved', 'default', 'EUR')
  RETURNING id
), l AS (
  INSERT INTO order_lines (order_id, line_no, organization_id, product_id, sku, quantity, unit_price_cents)
  SELECT id, 1, :org::uuid, :product::uuid, :sku::text, 1, 0 FROM o
), r AS (
  INSERT INTO reservations (order_id, product_id, organization_id, location, quantity, status)
  SELECT id, :product::uuid, :org::uuid, 'default', 1, 'open' FROM o
)
UPDATE inventory_levels SET quantity_reserved = quantity_reserved + 1, updated_at = now()
WHERE product_id = :product::uuid AND location = 'default' AND quantity_on_hand - quantity_reserved >= 1;
`

/** The same order as ONE statement: our `order_create_reserved()` (migration 0019), autocommitted. */
export const orderFunctionStatement = `
SELECT outcome FROM order_create_reserved(:org::uuid, gen_random_uuid(), 'api', NULL, NULL, 'default', 'EUR', NULL,
  now() + interval '30 minutes',
  jsonb_build_array(jsonb_build_object('line_no', 1, 'sku', :sku::text, 'quantity', 1, 'unit_price_cents', 0)),
  jsonb_build_array(jsonb_build_object('sku', :sku::text, 'quantity', 1)));
`

/** A webhook's new channel order as ONE statement: our `webhook_apply()` (migration 0021), autocommitted. */
export const webhookFunctionStatement = `
SELECT result FROM webhook_apply(:org::uuid, 'custom', 'pgf-' || :client_id::text || '-' || :n::text, :conn::uuid,
  'order.created', '{}',
  jsonb_build_object('kind', 'create', 'external', 'PGF-' || :client_id::text || '-' || :n::text,
    'id', gen_random_uuid(), 'location', 'default', 'currency', 'EUR', 'email', NULL, 'expires', NULL,
    'lines', jsonb_build_array(jsonb_build_object('line_no', 1, 'sku', :sku::text, 'quantity', 1, 'unit_price_cents', 0)),
    'demand', jsonb_build_array(jsonb_build_object('sku', :sku::text, 'quantity', 1))));
`

/** The median of a few alternating rounds (the machine's run-to-run noise is ±30%: compare within one run). */
export const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2 === 1
      ? (sorted[mid] ?? 0)
      : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}
