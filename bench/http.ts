/**
 * `npm run bench:http`: the framework floor — `/health/live` through the whole Tradeport stack (routing,
 * middleware, request ids, metrics, rate-limit exemption) against a bare `node:http` server answering the same JSON,
 * same client, same concurrency, in the same run. Prints figures; asserts nothing.
 */
import { Effect } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { inParallel, machine, percentile, report, startApp } from "./support/App.ts"

const REQUESTS = Number(process.env["BENCH_HTTP_REQUESTS"] ?? 20_000)
const CONCURRENCY = Number(process.env["BENCH_HTTP_CONCURRENCY"] ?? 32)

const hammer = async (url: string) => {
  await inParallel(1000, CONCURRENCY, async () => void (await (await fetch(url)).text()))
  const latencies: Array<number> = []
  const started = performance.now()
  await inParallel(REQUESTS, CONCURRENCY, async () => {
    const t0 = performance.now()
    const response = await fetch(url)
    await response.text()
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`)
    latencies.push(performance.now() - t0)
  })
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return { rps: REQUESTS / seconds, p99: percentile(latencies, 99) }
}

const program = Effect.gen(function*() {
  const app = yield* startApp()
  const bare = yield* Effect.acquireRelease(
    Effect.promise(() => new Promise<ReturnType<typeof createServer>>((resolve) => {
      const server = createServer((_, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end('{"status":"ok"}')
      })
      server.listen(0, "127.0.0.1", () => resolve(server))
    })),
    (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
  )
  const barePort = (bare.address() as AddressInfo).port
  const tradeport = yield* Effect.promise(() => hammer(`${app.base}/health/live`))
  const reference = yield* Effect.promise(() => hammer(`http://127.0.0.1:${barePort}/`))
  console.log(`\nbench:http — ${machine()}; ${REQUESTS} requests at concurrency ${CONCURRENCY}, fetch keep-alive client on the same machine`)
  console.log(`/health/live: ${tradeport.rps.toFixed(0)} req/s (p99 ${tradeport.p99.toFixed(1)} ms); bare node:http: ${reference.rps.toFixed(0)} req/s (p99 ${reference.p99.toFixed(1)} ms)`)
  report({ scenario: "http floor: /health/live", unit: "req/s", tradeport: tradeport.rps, reference: { name: "bare node:http", value: reference.rps }, better: "higher", target: "≥ 0.5×" })
})

Effect.runPromise(Effect.scoped(program)).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
