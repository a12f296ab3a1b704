/**
 * `npm run bench:ratelimit`: rate limiting as part of an HTTP request. The same app, route and middleware, deciding
 * with our RateCounter (one EVALSHA on Redis) or with rate-limiter-flexible's RateLimiterRedis behind the same port,
 * each on its own Redis of the same build; 1000 client addresses (X-Forwarded-For behind TRUST_PROXY), 32
 * connections, alternating rounds, medians. The route is `GET /api/v1/providers` without a token: decided, then
 * refused (401) before any database work, so the decision is as large a share of the request as a real route allows.
 * Prints figures; asserts nothing.
 */
import { Effect } from "effect"
import { machine, report, startApp } from "./support/App.ts"
import * as FlexibleRateCounter from "./support/FlexibleRateCounter.ts"
import { AUTOCANNON, load } from "./support/Load.ts"

const REQUESTS = Number(process.env["BENCH_RATELIMIT_REQUESTS"] ?? 20_000)
const ROUNDS = Number(process.env["BENCH_RATELIMIT_ROUNDS"] ?? 5)
const CONCURRENCY = 32

const requests = Array.from({ length: 1000 }, (_, i) => ({
  method: "GET",
  path: "/api/v1/providers",
  headers: { "x-forwarded-for": `10.0.${i >> 8}.${i & 255}` }
}))

const round = async (base: string, amount: number) => {
  const result = await load({ url: base, connections: CONCURRENCY, amount, requests })
  if (Object.keys(result.statuses).some((s) => s !== "401"))
    throw new Error(`unexpected answers: ${JSON.stringify(result.statuses)}`)
  return result.rps
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const program = Effect.gen(function* () {
  const ours = yield* startApp({ TRUST_PROXY: "true" })
  const flexible = yield* startApp({ TRUST_PROXY: "true" }, { rateCounter: FlexibleRateCounter.layer })
  const oursRounds: Array<number> = []
  const flexibleRounds: Array<number> = []
  yield* Effect.promise(async () => {
    await round(ours.base, 3000)
    await round(flexible.base, 3000)
    for (let i = 0; i < ROUNDS; i++) {
      oursRounds.push(await round(ours.base, REQUESTS))
      flexibleRounds.push(await round(flexible.base, REQUESTS))
    }
  })
  console.log(
    `\nbench:ratelimit — ${machine()}; ${ours.description}; ${ROUNDS} alternating rounds of ${REQUESTS} requests at ${CONCURRENCY} connections, ${AUTOCANNON}`
  )
  const rounds = (values: ReadonlyArray<number>) => values.map((v) => v.toFixed(0)).join(", ")
  console.log(`our RateCounter:       ${median(oursRounds).toFixed(0)} req/s (rounds: ${rounds(oursRounds)})`)
  console.log(`rate-limiter-flexible: ${median(flexibleRounds).toFixed(0)} req/s (rounds: ${rounds(flexibleRounds)})`)
  report({
    scenario: "rate limit per HTTP request (median of alternating rounds)",
    unit: "req/s",
    tradeport: median(oursRounds),
    reference: { name: "the same app deciding with rate-limiter-flexible", value: median(flexibleRounds) },
    better: "higher",
    target: "≥ 1.0×"
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
