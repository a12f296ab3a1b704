/**
 * `npm run bench:auth`: login latency through the real HTTP app (scrypt dominates, by design) and rate-limit
 * decisions per second against a real Redis (one EVAL round trip each). Starts its own Postgres and Redis
 * like the tests do. Prints figures; asserts nothing.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Context, Effect, Layer, Option, Redacted } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import { createServer } from "node:http"
import { cpus } from "node:os"
import * as RateLimit from "../apps/http/RateLimit.ts"
import { Routes } from "../apps/http/Server.ts"
import { withProcess } from "../apps/shared/Platform.ts"
import * as Migrations from "../adapters/postgres/Migrations.ts"
import * as Provisioning from "../adapters/postgres/Provisioning.ts"
import { PgClient } from "@effect/sql-pg"
import { provisionPostgres, provisionRedis } from "../test/support/Services.ts"
import { freePort } from "../test/support/RedisServer.ts"

const LOGINS = Number(process.env["BENCH_LOGINS"] ?? 200)
const LOGIN_CONCURRENCY = Number(process.env["BENCH_LOGIN_CONCURRENCY"] ?? 8)
const DECISIONS = Number(process.env["BENCH_DECISIONS"] ?? 20_000)
const DECISION_CONCURRENCY = Number(process.env["BENCH_DECISION_CONCURRENCY"] ?? 64)

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

const inParallel = async (count: number, concurrency: number, task: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++)
  }))
}

const main = async () => {
  const [postgres, redis] = await Promise.all([provisionPostgres(), provisionRedis()])
  const databaseUrl = await Effect.runPromise(Provisioning.ensureAppDatabase({
    adminUrl: Redacted.make(postgres.url), role: "tradeport", password: Redacted.make("bench-password"), database: "tradeport_bench"
  }))
  await Effect.runPromise(Migrations.run().pipe(Effect.provide(PgClient.layer({ url: databaseUrl, maxConnections: 1 }))))
  const port = await freePort()
  const config = ConfigProvider.fromUnknown({
    APP_ENV: "test", LOG_LEVEL: "Error", PORT: String(port), HOST: "127.0.0.1",
    DATABASE_URL: Redacted.value(databaseUrl), REDIS_URL: redis.url, REDIS_KEY_PREFIX: "bench:",
    JWT_SECRET: "bench-jwt-secret-0123456789-abcdefghijklmnop", ENCRYPTION_KEYS: `b1:${Buffer.alloc(32, 3).toString("base64")}`,
    RATE_LIMIT_AUTH_PER_MINUTE: "100000000", RATE_LIMIT_GLOBAL_PER_MINUTE: "100000000"
  })
  const server = HttpRouter.serve(Routes, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
  )
  const app = withProcess("tradeport-bench", Layer.mergeAll(server, RateLimit.layer)).pipe(Layer.provide(ConfigProvider.layer(config)))

  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(app)
    const base = `http://127.0.0.1:${port}`
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

    // Login: one account per concurrent client so lockout and sessions do not interfere.
    const users = Array.from({ length: LOGIN_CONCURRENCY }, (_, i) => `bench-${i}@example.com`)
    yield* Effect.promise(() => Promise.all(users.map((email) =>
      post("/api/v1/auth/register", { organizationName: "Bench", email, password: "bench password 12345" }))))
    const latencies: Array<number> = []
    const loginStart = performance.now()
    yield* Effect.promise(() => inParallel(LOGINS, LOGIN_CONCURRENCY, async (i) => {
      const t0 = performance.now()
      const response = await post("/api/v1/auth/login", { email: users[i % users.length], password: "bench password 12345" })
      await response.arrayBuffer()
      if (response.status !== 200) throw new Error(`login ${response.status}`)
      latencies.push(performance.now() - t0)
    }))
    const loginSeconds = (performance.now() - loginStart) / 1000
    latencies.sort((a, b) => a - b)

    // Rate-limit decisions straight through the limiter on Redis.
    const limiter = Context.get(context, RateLimit.RequestLimiter)
    const requests = Array.from({ length: 1000 }, (_, i) =>
      HttpServerRequest.fromWeb(new Request(`http://localhost/api/v1/orders?client=${i}`)).modify({ remoteAddress: Option.some(`10.0.${i >> 8}.${i & 255}`) }))
    const decideStart = performance.now()
    yield* Effect.forEach(Array.from({ length: DECISIONS }, (_, i) => i), (i) => limiter.decide(requests[i % requests.length]!), {
      concurrency: DECISION_CONCURRENCY,
      discard: true
    })
    const decideSeconds = (performance.now() - decideStart) / 1000

    const rows = [
      ["login p50 (ms)", percentile(latencies, 50).toFixed(1)],
      ["login p99 (ms)", percentile(latencies, 99).toFixed(1)],
      ["logins/s", (LOGINS / loginSeconds).toFixed(1)],
      ["rate-limit decisions/s (Redis)", (DECISIONS / decideSeconds).toFixed(0)]
    ]
    console.log(`\nbench:auth — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${postgres.description}, ${redis.description}`)
    console.log(`logins: ${LOGINS} at concurrency ${LOGIN_CONCURRENCY} (scrypt N=2^15 r=8 p=1); decisions: ${DECISIONS} at concurrency ${DECISION_CONCURRENCY}`)
    for (const [name, value] of rows) console.log(`${name!.padEnd(34)} ${value!.padStart(10)}`)
  })))
  await Promise.all([postgres.stop(), redis.stop()])
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
