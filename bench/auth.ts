/**
 * `npm run bench:auth`: login latency through the real HTTP app (scrypt dominates, by design) and rate-limit
 * decisions per second against a real Redis (one EVALSHA round trip each), alternating with rate-limiter-flexible. Prints figures; asserts nothing.
 */
import { Context, Effect, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import * as RateLimit from "../apps/http/RateLimit.ts"
import { Redis } from "ioredis"
import { RateLimiterRedis } from "rate-limiter-flexible"
import { client, inParallel, machine, percentile, report, signUp, startApp } from "./support/App.ts"

const LOGINS = Number(process.env["BENCH_LOGINS"] ?? 200)
const LOGIN_CONCURRENCY = Number(process.env["BENCH_LOGIN_CONCURRENCY"] ?? 8)
const DECISIONS = Number(process.env["BENCH_DECISIONS"] ?? 20_000)
const DECISION_CONCURRENCY = Number(process.env["BENCH_DECISION_CONCURRENCY"] ?? 64)
const DECISION_ROUNDS = Number(process.env["BENCH_DECISION_ROUNDS"] ?? 5)

const program = Effect.gen(function* () {
  const app = yield* startApp()
  const api = client(app.base)
  const users = Array.from({ length: LOGIN_CONCURRENCY }, (_, i) => `bench-${i}@example.com`)
  yield* Effect.promise(() =>
    Promise.all(
      users.map((email) => signUp(api.request, { organizationName: "Bench", email, password: "bench password 12345" }))
    )
  )
  const latencies: Array<number> = []
  const loginStart = performance.now()
  yield* Effect.promise(() =>
    inParallel(LOGINS, LOGIN_CONCURRENCY, async (i) => {
      const t0 = performance.now()
      const response = await api.request("POST", "/api/v1/auth/login", {
        email: users[i % users.length],
        password: "bench password 12345"
      })
      if (response.status !== 200) throw new Error(`login ${response.status}`)
      latencies.push(performance.now() - t0)
    })
  )
  const loginSeconds = (performance.now() - loginStart) / 1000
  latencies.sort((a, b) => a - b)

  const limiter = Context.get(app.context, RateLimit.RequestLimiter)
  const requests = Array.from({ length: 1000 }, (_, i) =>
    HttpServerRequest.fromWeb(new Request(`http://localhost/api/v1/orders?client=${i}`)).modify({
      remoteAddress: Option.some(`10.0.${i >> 8}.${i & 255}`)
    })
  )
  const tradeport = (count: number) =>
    Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => limiter.decide(requests[i % requests.length]!),
      {
        concurrency: DECISION_CONCURRENCY,
        discard: true
      }
    )
  // The reference: rate-limiter-flexible's RateLimiterRedis on ioredis, same Redis, same keys and concurrency.
  const redis = new Redis(app.redisUrl, { enableOfflineQueue: true })
  const flexible = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: "bench-rlf",
    points: 100_000_000,
    duration: 60
  })
  const reference = (count: number) =>
    Effect.promise(() =>
      inParallel(
        count,
        DECISION_CONCURRENCY,
        async (i) => void (await flexible.consume(`10.0.${(i % 1000) >> 8}.${(i % 1000) & 255}`))
      )
    )
  const rate = (run: Effect.Effect<void>) =>
    Effect.gen(function* () {
      const started = performance.now()
      yield* run
      return DECISIONS / ((performance.now() - started) / 1000)
    })
  // Both warmed up (JIT, connections, scripts loaded), then alternating rounds: the median of each is reported,
  // so neither side is measured cold or during the other's noise alone.
  yield* tradeport(DECISIONS / 4)
  yield* reference(DECISIONS / 4)
  const ours: Array<number> = []
  const theirs: Array<number> = []
  for (let round = 0; round < DECISION_ROUNDS; round++) {
    ours.push(yield* rate(tradeport(DECISIONS)))
    theirs.push(yield* rate(reference(DECISIONS)))
  }
  yield* Effect.promise(() => redis.quit())
  const median = (values: Array<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const decisionsPerSecond = median(ours)
  const flexiblePerSecond = median(theirs)

  console.log(`\nbench:auth — ${machine()}; ${app.description}`)
  console.log(
    `logins: ${LOGINS} at concurrency ${LOGIN_CONCURRENCY} (scrypt N=2^15 r=8 p=1); decisions: ${DECISIONS} at concurrency ${DECISION_CONCURRENCY}`
  )
  const rows: Array<[string, string]> = [
    ...(LOGINS === 0
      ? []
      : ([
          ["login p50 (ms)", percentile(latencies, 50).toFixed(1)],
          ["login p99 (ms)", percentile(latencies, 99).toFixed(1)],
          ["logins/s", (LOGINS / loginSeconds).toFixed(1)]
        ] satisfies Array<[string, string]>)),
    [
      "rate-limit decisions/s (Redis)",
      `${decisionsPerSecond.toFixed(0)} (rounds: ${ours.map((r) => r.toFixed(0)).join(", ")})`
    ],
    [
      "rate-limiter-flexible decisions/s",
      `${flexiblePerSecond.toFixed(0)} (rounds: ${theirs.map((r) => r.toFixed(0)).join(", ")})`
    ]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(34)} ${value.padStart(10)}`)
  if (LOGINS > 0)
    report({
      scenario: "login p99 (scrypt)",
      unit: "ms",
      tradeport: percentile(latencies, 99),
      better: "lower",
      target: "(KDF-bound by design)"
    })
  report({
    scenario: "rate limit decisions in a bare loop (no HTTP; the target is per request: bench:ratelimit)",
    unit: "decisions/s",
    tradeport: decisionsPerSecond,
    reference: { name: "rate-limiter-flexible", value: flexiblePerSecond },
    better: "higher",
    target: "—"
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
