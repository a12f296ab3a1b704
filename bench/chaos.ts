/**
 * `npm run chaos`: scripted faults under load, each printing what was sent, acknowledged, persisted and lost.
 * The app runs as its own process (`node apps/http/main.ts`) on a throwaway PostgreSQL and Redis; a sender pushes
 * signed webhook deliveries (10% re-sent duplicates) and, like a real provider, retries every delivery until it is
 * acknowledged. Faults:
 *
 * 1. Redis killed for 10 s mid-load, then restarted empty on the same port;
 * 2. PostgreSQL frozen (SIGSTOP) for 10 s mid-load — unreachable rather than refusing, the harder case;
 * 3. the app SIGKILLed mid-load and restarted;
 * 4. three HTTP instances and two schedulers at once, deliveries (and their duplicates) spread over the instances.
 *
 * "Lost" counts deliveries acknowledged (2xx) whose order is not in the database; "applied twice" counts events
 * recorded more than once. Both must be 0. Prints figures; asserts nothing.
 */
import postgres from "postgres"
import { signedDelivery } from "../test/support/Webhooks.ts"
import { machine } from "./support/App.ts"
import { sleep, startStack } from "./support/Stack.ts"

const DELIVERIES = Number(process.env["CHAOS_DELIVERIES"] ?? 2000)
const CONCURRENCY = Number(process.env["CHAOS_CONCURRENCY"] ?? 16)
/** The traffic is spread over this long, so every fault lands in the middle of it. */
const SPREAD_MS = Number(process.env["CHAOS_SPREAD_MS"] ?? 14_000)

const stack = await startStack("chaos")
const { base, api } = stack
const ready = () =>
  fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
    async (r) => ((await r.json()) as { checks?: Record<string, string> }).checks ?? {},
    () => ({} as Record<string, string>)
  )
const token = await stack.owner("chaos@example.com")
await api("PUT", "/api/v1/products", { products: [{ sku: "CH", name: "chaos" }] }, token)
await api("POST", "/api/v1/inventory/bulk", [{ sku: "CH", quantity: 100_000_000 }], token)
const source = await api("POST", "/api/v1/connections/custom", { name: "chaos" }, token)
const path = new URL(String(source["webhookUrl"])).pathname
const secret = String(source["webhookSecret"])
const connectionId = path.split("/").pop()!

/** Sends every delivery until it is acknowledged, as a provider would; returns what happened. */
const load = async (
  tag: string,
  during: () => Promise<{ readonly note: string; readonly from: number; readonly to: number }>,
  targets: ReadonlyArray<string> = [base]
) => {
  const unique = Math.round(DELIVERIES * 0.9)
  const deliveries = Array.from({ length: unique }, (_, i) =>
    signedDelivery(secret, { type: "order.created", data: { externalOrderId: `${tag}-${i}`, lines: [{ sku: "CH", quantity: 1 }] } }))
  const schedule = Array.from({ length: DELIVERIES }, (_, i) => (i < unique ? deliveries[i]! : deliveries[(i * 7919) % unique]!))
  const acknowledged = new Set<string>()
  const acknowledgedAt: Array<number> = []
  const statuses = new Map<string, number>()
  let attempts = 0
  let next = 0
  const started = performance.now()
  const sender = Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < schedule.length) {
      const delivery = schedule[next++]!
      // Paced: the traffic spans the fault.
      await sleep((SPREAD_MS * CONCURRENCY) / DELIVERIES)
      for (;;) {
        attempts++
        // Round robin over the instances: a re-sent duplicate usually lands on another one than the original.
        const target = targets[(attempts + next) % targets.length]!
        const status = await fetch(`${target}${path}`, { method: "POST", headers: delivery.headers, body: delivery.body, signal: AbortSignal.timeout(20_000) })
          .then(async (r) => (await r.text(), r.status), () => 0)
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1)
        if (status >= 200 && status < 300) {
          acknowledged.add(delivery.id)
          acknowledgedAt.push(performance.now())
          break
        }
        await sleep(200)
      }
    }
  }))
  const fault = await during()
  await sender
  const duringFault = acknowledgedAt.filter((t) => t >= fault.from && t <= fault.to).length
  const note = `${fault.note}; ${duringFault} deliveries acknowledged during the fault`
  const seconds = (performance.now() - started) / 1000
  const sql = postgres(stack.adminUrl, { max: 1, onnotice: () => undefined })
  const [row] = await sql<Array<{ orders: number; events: number; distinct: number }>>`
    SELECT (SELECT count(*)::int FROM orders WHERE connection_id = ${connectionId} AND external_order_id LIKE ${`${tag}-%`}) AS orders,
           (SELECT count(*)::int FROM webhook_events WHERE connection_id = ${connectionId} AND outcome = 'applied'
              AND payload LIKE ${`%"${tag}-%`}) AS events,
           (SELECT count(DISTINCT event_id)::int FROM webhook_events WHERE connection_id = ${connectionId} AND payload LIKE ${`%"${tag}-%`}) AS distinct`
  await sql.end()
  return {
    scenario: tag, seconds, sent: unique, duplicatesSent: DELIVERIES - unique, attempts, acknowledged: acknowledged.size,
    persisted: row?.orders ?? 0, lost: acknowledged.size - (row?.orders ?? 0), appliedTwice: (row?.events ?? 0) - (row?.distinct ?? 0),
    statuses: [...statuses].map(([s, n]) => `${s === "0" ? "no answer" : s}×${n}`).join(" "), note
  }
}

const results = []
results.push(await load("redis", async () => {
  await sleep(1500)
  const redisPort = stack.redis().port
  stack.redis().process.kill("SIGKILL")
  const killedAt = performance.now()
  await sleep(1000)
  const during = (await ready())["redis"] ?? "?"
  await sleep(9000)
  await stack.restartRedis(redisPort)
  const back = performance.now()
  let recovered = Number.NaN
  for (let i = 0; i < 100; i++) {
    if ((await ready())["redis"] === "up") {
      recovered = (performance.now() - back) / 1000
      break
    }
    await sleep(100)
  }
  return {
    note: `Redis down ${((back - killedAt) / 1000).toFixed(0)} s (readiness said redis=${during}); redis=up again ${recovered.toFixed(1)} s after restart`,
    from: killedAt,
    to: back
  }
}))
results.push(await load("postgres", async () => {
  await sleep(1500)
  const frozen = stack.signalPostgres("SIGSTOP")
  const stoppedAt = performance.now()
  // While the database does not answer, requests must end as 503 within the request timeout, not 500 or a hang.
  const probe = await fetch(`${base}/api/v1/orders?limit=1`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) })
    .then(async (r) => ({ status: r.status, seconds: (performance.now() - stoppedAt) / 1000 }), () => ({ status: 0, seconds: Number.NaN }))
  await sleep(Math.max(0, 10_000 - (performance.now() - stoppedAt)))
  stack.signalPostgres("SIGCONT")
  const back = performance.now()
  let recovered = Number.NaN
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${base}/api/v1/orders?limit=1`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false)
    if (ok) {
      recovered = (performance.now() - back) / 1000
      break
    }
    await sleep(100)
  }
  return {
    note: `PostgreSQL frozen 10 s (${frozen} processes); a read during it answered ${probe.status} after ${probe.seconds.toFixed(1)} s; reads OK again ${recovered.toFixed(1)} s after it resumed`,
    from: stoppedAt,
    to: back
  }
}))
results.push(await load("kill", async () => {
  await sleep(1500)
  stack.killApp()
  const killedAt = performance.now()
  await sleep(500)
  await stack.startApp()
  const back = performance.now()
  return { note: `app SIGKILLed, serving again ${((back - killedAt) / 1000).toFixed(1)} s later`, from: killedAt, to: back }
}))

// Three HTTP instances and two schedulers on one PostgreSQL and Redis, deliveries spread over the instances.
const extra = [await stack.startInstance("http"), await stack.startInstance("http")]
const schedulers = [await stack.startInstance("scheduler"), await stack.startInstance("scheduler")]
results.push(await load("instances", async () => {
  const from = performance.now()
  await sleep(12_000)
  return { note: "3 HTTP instances and 2 schedulers on one PostgreSQL and Redis; deliveries and their duplicates spread over the instances", from, to: performance.now() }
}, [base, ...extra.map((e) => e.base)]))
for (const instance of [...extra, ...schedulers]) instance.stop()

await stack.stop()
console.log(`\nchaos — ${machine()}; ${DELIVERIES} deliveries per scenario (10% re-sent duplicates), ${CONCURRENCY} senders retrying until acknowledged`)
console.log("| scenario | sent (unique) | acknowledged | persisted | lost | applied twice | answers seen | what happened |")
console.log("|---|---|---|---|---|---|---|---|")
for (const r of results) {
  console.log(`| ${r.scenario} | ${r.sent} | ${r.acknowledged} | ${r.persisted} | ${r.lost} | ${r.appliedTwice} | ${r.statuses} | ${r.note}; ${r.seconds.toFixed(0)} s |`)
}
process.exit(0)
