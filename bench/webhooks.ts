/**
 * `npm run bench:webhooks`: signed Standard Webhooks deliveries per second through the full pipeline (HTTP →
 * verify → source lookup → ONE statement recording the event and creating the channel order, `webhook_apply()`)
 * with 10% duplicates; prints the duplicates that were applied (must be 0) and checks the database agrees. The
 * references, in alternating rounds of the same run (medians reported): a hand-written `node:http` handler doing
 * the same verification and the same one function call; pgbench running that function at the same concurrency (the
 * physical limit of this design); and pgbench running the former multi-statement transaction.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import postgres from "postgres"
import { SqlClient } from "effect/sql"
import { signedDelivery } from "../test/support/Webhooks.ts"
import { client, machine, report, startApp } from "./support/App.ts"
import { AUTOCANNON, type LoadResult, load, statusLine } from "./support/Load.ts"
import { median, pgbench, reservationStatements, webhookFunctionStatement } from "./support/Pgbench.ts"

const DELIVERIES = Number(process.env["BENCH_DELIVERIES"] ?? 3000)
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 32)
/** Deliveries sent to each side before measuring (JIT, pools, prepared statements warm on both). */
const WARMUP = Number(process.env["BENCH_WARMUP"] ?? 300)
/** Alternating rounds of Tradeport, the hand-written handler and pgbench; medians are reported. */
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3)

/**
 * The reference: what someone would write by hand with `node:http` — the same Standard Webhooks HMAC check, then the
 * same ONE statement Tradeport sends (`webhook_apply()`: the event recorded once per connection and the channel order
 * created with its stock reserved, organisation context set inside). No framework, no source lookup, no nonce claim
 * in Redis, no metrics or tracing.
 */
const referenceHandler = (databaseUrl: string, secret: string, org: string, connectionId: string) => {
  const sql = postgres(databaseUrl, { max: 20, onnotice: () => undefined })
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64")
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", async () => {
      const body = Buffer.concat(chunks)
      const id = String(req.headers["webhook-id"] ?? "")
      const timestamp = String(req.headers["webhook-timestamp"] ?? "")
      const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest()
      const given = String(req.headers["webhook-signature"] ?? "")
        .split(" ")
        .map((s) => Buffer.from(s.slice(3), "base64"))
      if (!given.some((g) => g.length === expected.length && timingSafeEqual(g, expected))) {
        res.writeHead(401).end()
        return
      }
      const event = JSON.parse(body.toString("utf8")) as {
        data: { externalOrderId: string; lines: Array<{ sku: string; quantity: number }> }
      }
      const lines = event.data.lines.map((l, i) => ({
        line_no: i + 1,
        sku: l.sku,
        quantity: l.quantity,
        unit_price_cents: 0
      }))
      const change = {
        kind: "create",
        external: event.data.externalOrderId,
        id: randomUUID(),
        location: "default",
        currency: "EUR",
        email: null,
        expires: null,
        lines,
        demand: lines.map((l) => ({ sku: l.sku, quantity: l.quantity }))
      }
      try {
        const [row] = await sql<Array<{ result: string }>>`
          SELECT result FROM webhook_apply(${org}, 'custom', ${id}, ${connectionId}, 'order.created',
                                           ${body.toString("utf8")}, ${JSON.stringify(change)}::jsonb)`
        const outcome = row?.result === "duplicate" ? "duplicate" : row?.result === "created" ? "applied" : "failed"
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ outcome }))
      } catch {
        res.writeHead(503).end()
      }
    })
  })
  return { server, sql }
}

const program = Effect.gen(function* () {
  const app = yield* startApp()
  const api = client(app.base)
  const token = yield* Effect.promise(() => api.owner("webhooks-bench@example.com"))
  const source = yield* Effect.promise(async () => {
    await api.request("PUT", "/api/v1/products", { products: [{ sku: "WB", name: "wb" }] }, token)
    await api.request("POST", "/api/v1/inventory/bulk", [{ sku: "WB", quantity: 100_000_000 }], token)
    return (await api.request("POST", "/api/v1/connections/custom", { name: "bench" }, token)).body
  })
  const path = new URL(String(source["webhookUrl"])).pathname
  const connectionId = path.split("/").pop() ?? ""
  const secret = String(source["webhookSecret"])
  const unique = Math.round(DELIVERIES * 0.9)
  const order = (externalOrderId: string) =>
    signedDelivery(secret, { type: "order.created", data: { externalOrderId, lines: [{ sku: "WB", quantity: 1 }] } })
  /** `count` deliveries of new orders, 10% of them re-sent (same id and signature), as providers retry. */
  const schedule = (prefix: string, count: number) => {
    const deliveries = Array.from({ length: Math.round(count * 0.9) }, (_, i) => order(`${prefix}-${i}`))
    return Array.from({ length: count }, (_, i) =>
      i < deliveries.length ? deliveries[i]! : deliveries[(i * 7919) % deliveries.length]!
    ).map((d) => ({ method: "POST", headers: d.headers, body: d.body.toString("utf8") }))
  }
  const send = (url: string, target: string, prefix: string, count: number) =>
    Effect.promise(async () => {
      const result = await load({
        url,
        connections: CONCURRENCY,
        amount: count,
        requests: schedule(prefix, count).map((r) => ({ ...r, path: target }))
      })
      if (Object.keys(result.statuses).some((s) => s !== "200")) throw new Error(`${url}: ${statusLine(result)}`)
      return result
    })
  const ids = yield* Effect.promise(async () => {
    const admin = postgres(app.adminUrl.replace(/\/[^/]*$/, "/tradeport_bench"), { max: 1, onnotice: () => undefined })
    try {
      const [row] = await admin<Array<{ org: string; product: string }>>`
        SELECT p.organization_id::text AS org, p.id::text AS product FROM products p WHERE p.sku = 'WB'`
      return { org: row!.org, product: row!.product }
    } finally {
      await admin.end()
    }
  })
  const reference = referenceHandler(Redacted.value(app.databaseUrl), secret, ids.org, connectionId)
  yield* Effect.promise(() => new Promise<void>((resolve) => reference.server.listen(0, "127.0.0.1", resolve)))
  const referenceUrl = `http://127.0.0.1:${(reference.server.address() as AddressInfo).port}`
  const variables = { org: ids.org, conn: connectionId, product: ids.product, sku: "WB" }
  const limit = (script: string) =>
    pgbench({ url: Redacted.value(app.databaseUrl), clients: CONCURRENCY, transactions: DELIVERIES, variables, script })
  // The former multi-statement transaction (event row + order + line + reservation), as pgbench runs it.
  const transaction = `\\set n random(1, 2000000000)
BEGIN;
SELECT set_config('app.org_id', :org::text, true);
INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome)
VALUES (gen_random_uuid(), 'custom', 'pgb-' || :client_id::text || '-' || :n::text, :org::uuid, :conn::uuid, 'order.created', '{}', 'applied')
ON CONFLICT (connection_id, event_id) DO NOTHING;
${reservationStatements}
COMMIT;
`
  const oneStatement = `\\set n random(1, 2000000000)\n${webhookFunctionStatement}`

  // Warm-up of both HTTP sides (JIT, pools, prepared statements), then alternating rounds.
  yield* send(app.base, path, "WARM", WARMUP)
  yield* send(referenceUrl, "/", "RWARM", WARMUP)
  const rounds: Array<{ app: LoadResult; handler: LoadResult; fn?: number; tx?: number }> = []
  for (let round = 0; round < ROUNDS; round++) {
    const measured = yield* send(app.base, path, `WB${round}`, DELIVERIES)
    const handler = yield* send(referenceUrl, "/", `R${round}`, DELIVERIES)
    const fn = limit(oneStatement)?.tps
    const tx = limit(transaction)?.tps
    rounds.push({ app: measured, handler, ...(fn === undefined ? {} : { fn }), ...(tx === undefined ? {} : { tx }) })
  }
  yield* Effect.promise(() => new Promise<void>((resolve) => reference.server.close(() => resolve())))
  yield* Effect.promise(() => reference.sql.end())

  const [counts] = yield* Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ orders: number; events: number }>`
      SELECT (SELECT count(*)::int FROM orders WHERE external_order_id LIKE 'WB%') AS orders,
             (SELECT count(*)::int FROM webhook_events
              WHERE outcome = 'applied' AND payload LIKE '%"externalOrderId":"WB%') AS events`
  }).pipe(
    Effect.provide(
      PgClient.layer({ url: Redacted.make(app.adminUrl.replace(/\/[^/]*$/, "/tradeport_bench")), maxConnections: 1 })
    )
  )
  const expected = unique * ROUNDS
  const tradeport = median(rounds.map((r) => r.app.rps))
  const handler = median(rounds.map((r) => r.handler.rps))
  const fns = rounds.flatMap((r) => (r.fn === undefined ? [] : [r.fn]))
  const txs = rounds.flatMap((r) => (r.tx === undefined ? [] : [r.tx]))
  const p99 = median(rounds.map((r) => r.app.p99))
  const handlerP99 = median(rounds.map((r) => r.handler.p99))
  const rss = process.memoryUsage().rss / 2 ** 20
  console.log(
    `\nbench:webhooks — ${machine()}; ${app.description}; ${DELIVERIES} deliveries (${DELIVERIES - unique} duplicates) at ${CONCURRENCY} connections, ${ROUNDS} alternating rounds (medians), ${AUTOCANNON}`
  )
  const list = (values: ReadonlyArray<number>) => values.map((v) => v.toFixed(0)).join(" / ")
  const rows: Array<[string, string]> = [
    ["deliveries/s (median; rounds)", `${tradeport.toFixed(0)} (${list(rounds.map((r) => r.app.rps))})`],
    ["p50 (ms, median)", median(rounds.map((r) => r.app.p50)).toFixed(1)],
    ["p99 (ms, median)", p99.toFixed(1)],
    ["answers (last round)", statusLine(rounds[rounds.length - 1]!.app)],
    ["orders created (must equal unique)", `${counts?.orders} / ${expected}`],
    ["duplicates applied (must be 0)", String((counts?.events ?? 0) - expected)],
    [
      "hand-written handler, one call",
      `${handler.toFixed(0)} (${list(rounds.map((r) => r.handler.rps))}), p99 ${handlerP99.toFixed(1)} ms`
    ],
    ["pgbench webhook_apply(), tx/s", fns.length === 0 ? "not measured" : `${median(fns).toFixed(0)} (${list(fns)})`],
    [
      "pgbench former transaction, tx/s",
      txs.length === 0 ? "not measured" : `${median(txs).toFixed(0)} (${list(txs)})`
    ],
    ["bench process RSS (MiB)", rss.toFixed(0)]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(36)} ${value}`)
  report({
    scenario: `webhooks (${CONCURRENCY} conns, ${Math.round((100 * (DELIVERIES - unique)) / DELIVERIES)}% duplicates)`,
    unit: "deliveries/s",
    tradeport,
    reference: { name: "hand-written node:http + HMAC + the same one SQL call", value: handler },
    better: "higher",
    target: "≥ 1.2× node:http"
  })
  if (fns.length > 0)
    report({
      scenario: "webhooks vs the new physical limit",
      unit: "deliveries/s",
      tradeport,
      reference: { name: "pgbench, webhook_apply() one statement, same concurrency", value: median(fns) },
      better: "higher",
      target: "≥ 0.7× pgbench"
    })
  if (txs.length > 0)
    report({
      scenario: "webhooks vs the former transaction",
      unit: "deliveries/s",
      tradeport,
      reference: { name: "pgbench, former multi-statement transaction", value: median(txs) },
      better: "higher",
      target: "—"
    })
  report({
    scenario: "webhooks p99",
    unit: "ms",
    tradeport: p99,
    reference: { name: "hand-written handler p99", value: handlerP99 },
    better: "lower",
    target: "≤ the handler's"
  })
  report({
    scenario: "webhooks: duplicates applied",
    unit: "events",
    tradeport: (counts?.events ?? 0) - expected,
    better: "lower",
    target: "= 0"
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
