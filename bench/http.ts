/**
 * `npm run bench:http`: the framework floor — `/health/live` through the whole Tradeport stack (routing,
 * middleware, request ids, metrics, rate-limit exemption) against a bare `node:http` server answering the same JSON,
 * same client, same concurrency, in the same run. Prints figures; asserts nothing.
 */
import { Effect } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { machine, report, startApp } from "./support/App.ts"
import { AUTOCANNON, load } from "./support/Load.ts"

const REQUESTS = Number(process.env["BENCH_HTTP_REQUESTS"] ?? 50_000)
const CONCURRENCY = Number(process.env["BENCH_HTTP_CONCURRENCY"] ?? 32)

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
  const tradeport = yield* Effect.promise(() => hammer(app.base, "/health/live"))
  const reference = yield* Effect.promise(() => hammer(`http://127.0.0.1:${barePort}`, "/"))
  console.log(
    `\nbench:http — ${machine()}; ${app.description}; ${REQUESTS} requests at ${CONCURRENCY} connections, ${AUTOCANNON} on the same machine`
  )
  console.log(
    `/health/live: ${tradeport.rps.toFixed(0)} req/s (p99 ${tradeport.p99.toFixed(1)} ms); bare node:http: ${reference.rps.toFixed(0)} req/s (p99 ${reference.p99.toFixed(1)} ms)`
  )
  report({
    scenario: "http floor: /health/live",
    unit: "req/s",
    tradeport: tradeport.rps,
    reference: { name: "bare node:http", value: reference.rps },
    better: "higher",
    target: "≥ 0.5×"
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
