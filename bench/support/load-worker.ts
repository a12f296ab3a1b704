/**
 * The load generator, in its own process so it never shares the measured server's event loop: autocannon 9 driving
 * a list of requests from a JSON spec file (argv[2]). Each request of the list is sent once, in order across all
 * connections (the list is cycled if more are asked for). Prints one JSON line: the figures.
 */
import autocannon from "autocannon"
import { readFileSync } from "node:fs"

export interface LoadSpec {
  readonly url: string
  readonly connections: number
  readonly amount: number
  readonly requests: ReadonlyArray<{
    readonly method: string
    readonly path: string
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: string
  }>
}

const spec = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadSpec
let next = 0
// Throughput is timed here, from the start to the last response: autocannon notices that `amount` is reached only
// at its next one-second tick, so its own duration rounds short runs up by up to a second.
const started = performance.now()
let lastResponse = started
const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  amount: spec.amount,
  timeout: 30,
  requests: [
    {
      setupRequest: (request) => {
        const chosen = spec.requests[next++ % spec.requests.length]!
        return {
          ...request,
          method: chosen.method,
          path: chosen.path,
          headers: { ...chosen.headers },
          ...(chosen.body === undefined ? {} : { body: chosen.body })
        }
      }
    }
  ]
})
instance.on("response", () => {
  lastResponse = performance.now()
})
const result = await instance
const seconds = (lastResponse - started) / 1000
const statuses: Record<string, number> = {}
for (const [code, stat] of Object.entries(result.statusCodeStats)) statuses[code] = stat.count
console.log(
  JSON.stringify({
    requests: result.requests.total,
    seconds,
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses
  })
)
process.exit(0)
