/**
 * `npm run chaos`: scripted faults under load, each printing what was sent, acknowledged, persisted and lost.
 * The app runs as its own process (`node apps/http/main.ts`) on a throwaway PostgreSQL and Redis; a sender pushes
 * signed webhook deliveries (10% re-sent duplicates) and, like a real provider, retries every delivery until it is
 * acknowledged. Faults:
 *
 * 1. Redis killed for 10 s mid-load, then restarted empty on the same port;
 * 2. PostgreSQL frozen (SIGSTOP) for 10 s mid-load — unreachable rather than refusing, the harder case;
 * 3. the app SIGKILLed mid-load and restarted;
 * 4. three HTTP instances and two schedulers at once, deliveries (and their duplicates) spread over the instances;
 * 5. a carrier (the FedEx fake) answering 5xx for 15 s and then timing out for 15 s under a steady stream of rate
 *    quotes: how many failures reach it before the circuit opens, how fast calls fail while it is open, how soon
 *    quotes succeed again once it heals;
 * 6. the two schedulers refreshing 40 carrier tokens that are about to expire: token requests at the carrier (each
 *    connection refreshed exactly once, never twice).
 *
 * "Lost" counts deliveries acknowledged (2xx) whose order is not in the database; "applied twice" counts events
 * recorded more than once. Both must be 0. Prints figures; asserts nothing.
 */
import postgres from "postgres"
import { startFakeFedEx } from "../test/fakes/carriers/FakeCarriers.ts"
import { signedDelivery } from "../test/support/Webhooks.ts"
import { machine } from "./support/App.ts"
import { sleep, startStack } from "./support/Stack.ts"

const DELIVERIES = Number(process.env["CHAOS_DELIVERIES"] ?? 2000)
const CONCURRENCY = Number(process.env["CHAOS_CONCURRENCY"] ?? 16)
/** The traffic is spread over this long, so every fault lands in the middle of it. */
const SPREAD_MS = Number(process.env["CHAOS_SPREAD_MS"] ?? 14_000)

const FEDEX = { clientId: "chaos-fedex-key", clientSecret: "chaos-fedex-secret" }
const fedex = await startFakeFedEx(FEDEX)
/** Provider calls: 1 s timeout, no retries (each call is one attempt: the circuit's count is exact), 5 s cooldown. */
const CIRCUIT_COOLDOWN_MS = 5_000
const stack = await startStack("chaos", {
  FEDEX_API_URL: fedex.url,
  PROVIDER_TIMEOUT: "1 second",
  PROVIDER_RETRIES: "0",
  PROVIDER_CIRCUIT_COOLDOWN: `${CIRCUIT_COOLDOWN_MS} millis`,
  JOB_REFRESH_TOKENS_EVERY: "2 seconds"
})
const { base, api } = stack
const ready = () =>
  fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
    async (r) => ((await r.json()) as { checks?: Record<string, string> }).checks ?? {},
    () => ({}) as Record<string, string>
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
    signedDelivery(secret, {
      type: "order.created",
      data: { externalOrderId: `${tag}-${i}`, lines: [{ sku: "CH", quantity: 1 }] }
    })
  )
  const schedule = Array.from({ length: DELIVERIES }, (_, i) =>
    i < unique ? deliveries[i]! : deliveries[(i * 7919) % unique]!
  )
  const acknowledged = new Set<string>()
  const acknowledgedAt: Array<number> = []
  const statuses = new Map<string, number>()
  let attempts = 0
  let next = 0
  const started = performance.now()
  const sender = Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < schedule.length) {
        const delivery = schedule[next++]!
        // Paced: the traffic spans the fault.
        await sleep((SPREAD_MS * CONCURRENCY) / DELIVERIES)
        for (;;) {
          attempts++
          // Round robin over the instances: a re-sent duplicate usually lands on another one than the original.
          const target = targets[(attempts + next) % targets.length]!
          const status = await fetch(`${target}${path}`, {
            method: "POST",
            headers: delivery.headers,
            body: delivery.body,
            signal: AbortSignal.timeout(20_000)
          }).then(
            async (r) => {
              await r.text()
              return r.status
            },
            () => 0
          )
          statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1)
          if (status >= 200 && status < 300) {
            acknowledged.add(delivery.id)
            acknowledgedAt.push(performance.now())
            break
          }
          await sleep(200)
        }
      }
    })
  )
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
    scenario: tag,
    seconds,
    sent: unique,
    duplicatesSent: DELIVERIES - unique,
    attempts,
    acknowledged: acknowledged.size,
    persisted: row?.orders ?? 0,
    lost: acknowledged.size - (row?.orders ?? 0),
    appliedTwice: (row?.events ?? 0) - (row?.distinct ?? 0),
    statuses: [...statuses].map(([s, n]) => `${s === "0" ? "no answer" : s}×${n}`).join(" "),
    note
  }
}

/** `npm run chaos -- provider refresh` runs only those scenarios (names as in the tables); all by default. */
const only = process.argv.slice(2)
const wanted = (name: string) => only.length === 0 || only.includes(name)

const results = []
if (wanted("redis"))
  results.push(
    await load("redis", async () => {
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
    })
  )
if (wanted("postgres"))
  results.push(
    await load("postgres", async () => {
      await sleep(1500)
      const frozen = stack.signalPostgres("SIGSTOP")
      const stoppedAt = performance.now()
      // While the database does not answer, requests must end as 503 within the request timeout, not 500 or a hang.
      const probe = await fetch(`${base}/api/v1/orders?limit=1`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(30_000)
      }).then(
        async (r) => ({ status: r.status, seconds: (performance.now() - stoppedAt) / 1000 }),
        () => ({ status: 0, seconds: Number.NaN })
      )
      await sleep(Math.max(0, 10_000 - (performance.now() - stoppedAt)))
      stack.signalPostgres("SIGCONT")
      const back = performance.now()
      let recovered = Number.NaN
      for (let i = 0; i < 200; i++) {
        const ok = await fetch(`${base}/api/v1/orders?limit=1`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(2000)
        }).then(
          (r) => r.status === 200,
          () => false
        )
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
    })
  )
if (wanted("kill"))
  results.push(
    await load("kill", async () => {
      await sleep(1500)
      stack.killApp()
      const killedAt = performance.now()
      await sleep(500)
      await stack.startApp()
      const back = performance.now()
      return {
        note: `app SIGKILLed, serving again ${((back - killedAt) / 1000).toFixed(1)} s later`,
        from: killedAt,
        to: back
      }
    })
  )

// Three HTTP instances and two schedulers on one PostgreSQL and Redis, deliveries spread over the instances.
const extra = [await stack.startInstance("http"), await stack.startInstance("http")]
const schedulers = [await stack.startInstance("scheduler"), await stack.startInstance("scheduler")]
if (wanted("instances"))
  results.push(
    await load("instances", async () => {
      const from = performance.now()
      await sleep(12_000)
      return {
        note: "3 HTTP instances and 2 schedulers on one PostgreSQL and Redis; deliveries and their duplicates spread over the instances",
        from,
        to: performance.now()
      }
    }, [base, ...extra.map((e) => e.base)])
  )
for (const instance of extra) instance.stop()

// 5. A carrier failing for 30 s under a steady stream of quotes (one at a time, so every call's fate is known).
const carrierAccount = async (accountNumber = "510087020") => {
  const added = await fetch(`${base}/api/v1/carriers/fedex`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ ...FEDEX, accountNumber })
  })
  if (added.status !== 201) throw new Error(`adding a FedEx account: ${added.status}`)
  return String(((await added.json()) as Record<string, unknown>)["id"])
}
const providerScenario = async () => {
  const connectionId = await carrierAccount()
  const order = await api("POST", "/api/v1/orders", { lines: [{ sku: "CH", quantity: 1 }] }, token)
  const address = (name: string) => ({
    name,
    street1: "1 Main St",
    city: "Memphis",
    postalCode: "38116",
    countryCode: "US",
    stateOrProvince: "TN"
  })
  const body = JSON.stringify({
    connectionId,
    from: address("Warehouse"),
    to: address("Ada"),
    parcel: { weightGrams: 1500, lengthCm: 30, widthCm: 20, heightCm: 10 }
  })
  const calls: Array<{
    readonly at: number
    readonly status: number
    readonly ms: number
    readonly reached: boolean
    readonly phase: string
  }> = []
  let phase = "healthy"
  const started = performance.now()
  let healedAt = Number.NaN
  const stream = (async () => {
    for (;;) {
      const before = fedex.operations()
      // The phase the call started in: a call straddling a switch belongs to where it began.
      const startedIn = phase
      const t0 = performance.now()
      const status = await fetch(`${base}/api/v1/orders/${String(order["id"])}/shipping/quotes`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body,
        signal: AbortSignal.timeout(20_000)
      }).then(
        async (r) => {
          await r.text()
          return r.status
        },
        () => 0
      )
      calls.push({
        at: performance.now(),
        status,
        ms: performance.now() - t0,
        reached: fedex.operations() > before,
        phase: startedIn
      })
      if (phase === "healed" && status === 200 && performance.now() - healedAt > 5_000) return
      await sleep(100)
    }
  })()
  await sleep(5_000)
  const outageStart = performance.now()
  phase = "5xx"
  fedex.setMode("5xx")
  await sleep(15_000)
  phase = "timeouts"
  fedex.setMode("hang")
  await sleep(15_000)
  fedex.setMode("ok")
  phase = "healed"
  healedAt = performance.now()
  await stream
  const outage = calls.filter((c) => c.phase === "5xx" || c.phase === "timeouts")
  const firstFast = outage.findIndex((c) => !c.reached)
  const beforeOpen = (firstFast < 0 ? outage : outage.slice(0, firstFast)).filter(
    (c) => c.reached && c.status !== 200
  ).length
  const fast = outage.filter((c) => !c.reached)
  const firstOk = calls.find((c) => c.phase === "healed" && c.status === 200)
  const statuses = new Map<string, number>()
  for (const c of outage) statuses.set(String(c.status), (statuses.get(String(c.status)) ?? 0) + 1)
  return {
    seconds: (performance.now() - started) / 1000,
    calls: calls.length,
    outageCalls: outage.length,
    beforeOpen,
    reachedDuringOutage: outage.filter((c) => c.reached).length,
    fast: fast.length,
    fastMaxMs: Math.max(0, ...fast.map((c) => c.ms)),
    outageStatuses: [...statuses].map(([s, n]) => `${s === "0" ? "no answer" : s}×${n}`).join(" "),
    recoveredSeconds: firstOk === undefined ? Number.NaN : (firstOk.at - healedAt) / 1000,
    outageSeconds: (healedAt - outageStart) / 1000
  }
}
const provider = wanted("provider") ? await providerScenario() : undefined

// 6. Two schedulers, 40 carrier tokens about to expire: each refreshed once.
const refreshScenario = async () => {
  const ids: Array<string> = []
  // One connection per FedEx account number (the same account added twice is the same connection).
  for (let i = 0; i < 40; i++) ids.push(await carrierAccount(String(720000000 + i)))
  const sql = postgres(stack.adminUrl, { max: 1, onnotice: () => undefined })
  const before = fedex.tokenRequests()
  await sql`UPDATE connections SET token_expires_at = now() + interval '1 minute' WHERE id IN ${sql(ids)}`
  // Several refresh cycles of both schedulers (every 2 s): the first refreshes, the later ones find nothing due.
  await sleep(12_000)
  const requests = fedex.tokenRequests() - before
  const [audit] = await sql<Array<{ n: number; connections: number }>>`
    SELECT count(*)::int AS n, count(DISTINCT target)::int AS connections FROM audit_log
    WHERE action = 'TOKEN_REFRESHED' AND target IN ${sql(ids)}`
  const [left] = await sql<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM connections WHERE id IN ${sql(ids)} AND token_expires_at < now() + interval '5 minutes'`
  await sql.end()
  return {
    connections: ids.length,
    requests,
    audited: audit?.n ?? 0,
    auditedConnections: audit?.connections ?? 0,
    stillDue: left?.n ?? 0
  }
}
const refresh = wanted("refresh") ? await refreshScenario() : undefined
for (const instance of schedulers) instance.stop()

await stack.stop()
await fedex.close()
console.log(
  `\nchaos — ${machine()}; ${DELIVERIES} deliveries per scenario (10% re-sent duplicates), ${CONCURRENCY} senders retrying until acknowledged`
)
console.log(
  "| scenario | sent (unique) | acknowledged | persisted | lost | applied twice | answers seen | what happened |"
)
console.log("|---|---|---|---|---|---|---|---|")
for (const r of results) {
  console.log(
    `| ${r.scenario} | ${r.sent} | ${r.acknowledged} | ${r.persisted} | ${r.lost} | ${r.appliedTwice} | ${r.statuses} | ${r.note}; ${r.seconds.toFixed(0)} s |`
  )
}
if (provider !== undefined) {
  console.log(
    `\ncarrier failing ${provider.outageSeconds.toFixed(0)} s (5xx, then timeouts; PROVIDER_TIMEOUT 1 s, no retries, circuit: 5 failures, ${CIRCUIT_COOLDOWN_MS / 1000} s cooldown), one quote at a time:`
  )
  console.log(
    `  quotes during the outage: ${provider.outageCalls} (${provider.outageStatuses}); failures that reached the carrier before the circuit opened: ${provider.beforeOpen}`
  )
  console.log(
    `  answered without calling the carrier while open: ${provider.fast} (slowest ${provider.fastMaxMs.toFixed(0)} ms); calls that reached it during the outage (incl. half-open probes): ${provider.reachedDuringOutage}`
  )
  console.log(
    `  first successful quote ${provider.recoveredSeconds.toFixed(1)} s after the carrier healed; ${provider.calls} quotes in ${provider.seconds.toFixed(0)} s`
  )
}
if (refresh !== undefined) {
  console.log(
    `\ntwo schedulers (refresh-tokens every 2 s), ${refresh.connections} FedEx tokens expiring within the refresh window, 12 s:`
  )
  console.log(
    `  token requests at the carrier: ${refresh.requests} (one per connection = ${refresh.connections}); TOKEN_REFRESHED audited ${refresh.audited}× for ${refresh.auditedConnections} connections; still due: ${refresh.stillDue}`
  )
}
process.exit(0)
