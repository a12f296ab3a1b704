/**
 * `npm run bench:webhooks`: signed Standard Webhooks deliveries per second through the full pipeline (HTTP →
 * verify → dedupe → one transaction creating a channel order) with 10% duplicates; prints the duplicates that
 * were applied (must be 0) and checks the database agrees. The same traffic then goes through a hand-written
 * `node:http` handler doing the same verification and transaction: the reference figure.
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
import { AUTOCANNON, load, statusLine } from "./support/Load.ts"
import { pgbench, reservationStatements } from "./support/Pgbench.ts"

const DELIVERIES = Number(process.env["BENCH_DELIVERIES"] ?? 3000)
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 32)
/** Deliveries sent to each side before measuring (JIT, pools, prepared statements warm on both). */
const WARMUP = Number(process.env["BENCH_WARMUP"] ?? 300)

/**
 * The reference: what someone would write by hand with `node:http` — the same Standard Webhooks HMAC check, then
 * ONE transaction (same row-level-security context) recording the event (unique per connection) and, when new,
 * creating the order, its line and its reservation. No framework, no nonce claim in Redis, no metrics or tracing.
 */
const referenceHandler = (
  databaseUrl: string,
  secret: string,
  org: string,
  connectionId: string,
  productId: string
) => {
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
        data: { externalOrderId: string; lines: Array<{ quantity: number }> }
      }
      try {
        const outcome = await sql.begin(async (tx) => {
          await tx`SELECT set_config('app.org_id', ${org}, true)`
          const fresh = await tx`
            INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome)
            VALUES (${randomUUID()}, 'custom', ${id}, ${org}, ${connectionId}, 'order.created', ${body.toString("utf8")}, 'applied')
            ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING 1`
          if (fresh.length === 0) return "duplicate"
          const orderId = randomUUID()
          const quantity = event.data.lines[0]?.quantity ?? 1
          await tx`INSERT INTO orders (id, organization_id, connection_id, external_order_id, source, status, location, currency)
                   VALUES (${orderId}, ${org}, ${connectionId}, ${`REF-${event.data.externalOrderId}`}, 'channel', 'reserved', 'default', 'EUR')`
          await tx`INSERT INTO order_lines (order_id, line_no, organization_id, product_id, sku, quantity, unit_price_cents)
                   VALUES (${orderId}, 1, ${org}, ${productId}, 'WB', ${quantity}, 0)`
          const reserved =
            await tx`UPDATE inventory_levels SET quantity_reserved = quantity_reserved + ${quantity}, updated_at = now()
                   WHERE product_id = ${productId} AND location = 'default' AND quantity_on_hand - quantity_reserved >= ${quantity} RETURNING 1`
          if (reserved.length === 0) throw new Error("out of stock")
          await tx`INSERT INTO reservations (order_id, product_id, organization_id, location, quantity, status)
                   VALUES (${orderId}, ${productId}, ${org}, 'default', ${quantity}, 'open')`
          return "applied"
        })
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
  const secret = String(source["webhookSecret"])
  const unique = Math.round(DELIVERIES * 0.9)
  const deliveries = Array.from({ length: unique }, (_, i) =>
    signedDelivery(secret, {
      type: "order.created",
      data: { externalOrderId: `WB-${i}`, lines: [{ sku: "WB", quantity: 1 }] }
    })
  )
  // 10% of the traffic re-sends a delivery already sent (same id and signature), as providers retry.
  const schedule = Array.from({ length: DELIVERIES }, (_, i) =>
    i < unique ? deliveries[i]! : deliveries[(i * 7919) % unique]!
  )
  const asRequests = (target: string, list: ReadonlyArray<ReturnType<typeof signedDelivery>>) =>
    list.map((d) => ({ method: "POST", path: target, headers: d.headers, body: d.body.toString("utf8") }))
  const warmup = (url: string, target: string, prefix: string) =>
    Effect.promise(async () => {
      const result = await load({
        url,
        connections: CONCURRENCY,
        amount: WARMUP,
        requests: asRequests(
          target,
          Array.from({ length: WARMUP }, (_, i) =>
            signedDelivery(secret, {
              type: "order.created",
              data: { externalOrderId: `${prefix}-${i}`, lines: [{ sku: "WB", quantity: 1 }] }
            })
          )
        )
      })
      if (Object.keys(result.statuses).some((s) => s !== "200"))
        throw new Error(`warm-up ${url}: ${statusLine(result)}`)
    })
  yield* warmup(app.base, path, "WARM")
  const measured = yield* Effect.promise(() =>
    load({ url: app.base, connections: CONCURRENCY, amount: DELIVERIES, requests: asRequests(path, schedule) })
  )
  const [counts] = yield* Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ orders: number; events: number }>`
      SELECT (SELECT count(*)::int FROM orders WHERE external_order_id LIKE 'WB-%') AS orders,
             (SELECT count(*)::int FROM webhook_events WHERE outcome = 'applied' AND payload NOT LIKE '%"WARM-%') AS events`
  }).pipe(
    Effect.provide(
      PgClient.layer({ url: Redacted.make(app.adminUrl.replace(/\/[^/]*$/, "/tradeport_bench")), maxConnections: 1 })
    )
  )
  // The same deliveries (re-signed with new ids, so they are new events) through the hand-written handler.
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
  const connectionId = path.split("/").pop()!
  const reference = referenceHandler(Redacted.value(app.databaseUrl), secret, ids.org, connectionId, ids.product)
  yield* Effect.promise(() => new Promise<void>((resolve) => reference.server.listen(0, "127.0.0.1", resolve)))
  const referenceUrl = `http://127.0.0.1:${(reference.server.address() as AddressInfo).port}`
  const referenceDeliveries = Array.from({ length: unique }, (_, i) =>
    signedDelivery(secret, {
      type: "order.created",
      data: { externalOrderId: `R-${i}`, lines: [{ sku: "WB", quantity: 1 }] }
    })
  )
  const referenceSchedule = Array.from({ length: DELIVERIES }, (_, i) =>
    i < unique ? referenceDeliveries[i]! : referenceDeliveries[(i * 7919) % unique]!
  )
  yield* warmup(referenceUrl, "/", "RWARM")
  const referenceRun = yield* Effect.promise(() =>
    load({
      url: referenceUrl,
      connections: CONCURRENCY,
      amount: DELIVERIES,
      requests: asRequests("/", referenceSchedule)
    })
  )
  if (Object.keys(referenceRun.statuses).some((s) => s !== "200"))
    throw new Error(`reference handler: ${statusLine(referenceRun)}`)
  yield* Effect.promise(() => new Promise<void>((resolve) => reference.server.close(() => resolve())))
  yield* Effect.promise(() => reference.sql.end())
  console.log(
    `\nbench:webhooks — ${machine()}; ${app.description}; ${DELIVERIES} deliveries (${DELIVERIES - unique} duplicates) at ${CONCURRENCY} connections, ${AUTOCANNON}`
  )
  const rows: Array<[string, string]> = [
    ["deliveries/s", measured.rps.toFixed(0)],
    ["p50 (ms)", measured.p50.toFixed(1)],
    ["p99 (ms)", measured.p99.toFixed(1)],
    ["answers", statusLine(measured)],
    ["orders created (must equal unique)", `${counts?.orders} / ${unique}`],
    ["duplicates applied (must be 0)", String((counts?.events ?? 0) - unique)]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(36)} ${value}`)
  // The physical limit of the same transaction: pgbench, same concurrency, event row + order + line + reservation.
  const limit = pgbench({
    url: Redacted.value(app.databaseUrl),
    clients: CONCURRENCY,
    transactions: DELIVERIES,
    variables: { org: ids.org, conn: connectionId, product: ids.product, sku: "WB" },
    script: `\\set n random(1, 2000000000)
BEGIN;
SELECT set_config('app.org_id', :org::text, true);
INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome)
VALUES (gen_random_uuid(), 'custom', 'pgb-' || :client_id::text || '-' || :n::text, :org::uuid, :conn::uuid, 'order.created', '{}', 'applied')
ON CONFLICT (connection_id, event_id) DO NOTHING;
${reservationStatements}
COMMIT;
`
  })
  if (limit !== undefined)
    console.log(
      `${"pgbench, same transaction, tx/s".padEnd(36)} ${limit.tps.toFixed(0)} (avg ${limit.latencyMs.toFixed(1)} ms)`
    )
  console.log(
    `${"reference node:http handler deliveries/s".padEnd(36)} ${referenceRun.rps.toFixed(0)} (p99 ${referenceRun.p99.toFixed(1)} ms)`
  )
  report({
    scenario: `webhooks (${CONCURRENCY} conns, ${Math.round((100 * (DELIVERIES - unique)) / DELIVERIES)}% duplicates)`,
    unit: "deliveries/s",
    tradeport: measured.rps,
    reference: { name: "hand-written node:http + HMAC + SQL", value: referenceRun.rps },
    better: "higher",
    target: "≥ 1.0× node:http (≥ 0.7× pgbench)"
  })
  if (limit !== undefined) {
    report({
      scenario: "webhooks vs the transaction limit",
      unit: "deliveries/s",
      tradeport: measured.rps,
      reference: { name: "pgbench, same transaction and concurrency", value: limit.tps },
      better: "higher",
      target: "≥ 0.7× pgbench"
    })
  }
  report({
    scenario: "webhooks p99",
    unit: "ms",
    tradeport: measured.p99,
    reference: { name: "hand-written handler p99", value: referenceRun.p99 },
    better: "lower",
    target: "< 50 ms"
  })
  report({
    scenario: "webhooks: duplicates applied",
    unit: "events",
    tradeport: (counts?.events ?? 0) - unique,
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
