/**
 * `npm run bench:http`: the framework floor — `/health/live` through the whole Tradeport stack (routing,
 * middleware, request ids, metrics, rate-limit exemption) against a bare `node:http` server answering the same JSON,
 * same client, same concurrency, in alternating rounds of the same run. Prints figures; asserts nothing.
 */
import { Effect } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { machine, report, startApp } from "./support/App.ts"
import { AUTOCANNON, load } from "./support/Load.ts"

const REQUESTS = Number(process.env["BENCH_HTTP_REQUESTS"] ?? 50_000)
const CONCURRENCY = Number(process.env["BENCH_HTTP_CONCURRENCY"] ?? 32)
const ROUNDS = Number(process.env["BENCH_HTTP_ROUNDS"] ?? 3)

/** Warmed up with 2000 requests, then REQUESTS more, both through the load generator. */
const hammer = async (base: string, path: string) => {
  const spec = { url: base, connections: CONCURRENCY, requests: [{ method: "GET", path }] }
  await load({ ...spec, amount: 2000 })
  const result = await load({ ...spec, amount: REQUESTS })
  if (Object.keys(result.statuses).some((s) => s !== "200"))
    throw new Error(`unexpected answers: ${JSON.stringify(result.statuses)}`)
  return { rps: result.rps, p99: result.p99 }
}

const program = Effect.gen(function* () {
  const app = yield* startApp()
  const bare = yield* Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer((_, res) => {
            res.writeHead(200, { "content-type": "application/json" })
            res.end('{"status":"ok"}')
          })
          server.listen(0, "127.0.0.1", () => resolve(server))
        })
    ),
    (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
  )
  const barePort = (bare.address() as AddressInfo).port
  // Alternating rounds, medians: on a shared machine neither side is measured alone in a quiet or a busy moment.
  const ours: Array<{ rps: number; p99: number }> = []
  const theirs: Array<{ rps: number; p99: number }> = []
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(yield* Effect.promise(() => hammer(app.base, "/health/live")))
    theirs.push(yield* Effect.promise(() => hammer(`http://127.0.0.1:${barePort}`, "/")))
  }
  const median = (rounds: ReadonlyArray<{ rps: number; p99: number }>) => ({
    rps: [...rounds].map((r) => r.rps).sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? 0,
    p99: [...rounds].map((r) => r.p99).sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? 0
  })
  const tradeport = median(ours)
  const reference = median(theirs)
  console.log(
    `\nbench:http — ${machine()}; ${app.description}; ${ROUNDS} alternating rounds of ${REQUESTS} requests at ${CONCURRENCY} connections, ${AUTOCANNON} on the same machine`
  )
  const list = (rounds: ReadonlyArray<{ rps: number }>) => rounds.map((r) => r.rps.toFixed(0)).join(", ")
  console.log(
    `/health/live: ${tradeport.rps.toFixed(0)} req/s (p99 ${tradeport.p99.toFixed(1)} ms; rounds ${list(ours)}); bare node:http: ${reference.rps.toFixed(0)} req/s (p99 ${reference.p99.toFixed(1)} ms; rounds ${list(theirs)})`
  )
  report({
    scenario: "http floor: /health/live (median of alternating rounds)",
    unit: "req/s",
    tradeport: tradeport.rps,
    reference: { name: "bare node:http", value: reference.rps },
    better: "higher",
    target: "≥ 0.8×"
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
