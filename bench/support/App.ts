/**
 * What every benchmark stands on: its own PostgreSQL and Redis (provisioned like the tests), the migrated app
 * database, and the real HTTP app listening on a loopback port. Plus small client helpers and percentiles.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { ConfigProvider, Context, Effect, Layer, Redacted, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import { Redis } from "ioredis"
import { createServer } from "node:http"
import { cpus } from "node:os"
import * as RateLimit from "../../apps/http/RateLimit.ts"
import type { RateCounter } from "../../core/shared/ports/RateCounter.ts"
import { RateLimitLive, serve } from "../../apps/http/Server.ts"
import { withProcess } from "../../apps/shared/Platform.ts"
import * as Migrations from "../../adapters/postgres/Migrations.ts"
import * as Provisioning from "../../adapters/postgres/Provisioning.ts"
import { freePort } from "../../test/support/RedisServer.ts"
import { provisionPostgres, provisionRedis } from "../../test/support/Services.ts"

export const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

export const inParallel = async (count: number, concurrency: number, task: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++)
    })
  )
}

export const machine = () => `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`

export interface BenchApp {
  readonly base: string
  readonly context: Context.Context<RateLimit.RequestLimiter>
  readonly description: string
  readonly databaseUrl: Redacted.Redacted
  readonly adminUrl: string
  readonly redisUrl: string
}

/** Starts Postgres, Redis and the app; everything stops when the scope closes. */
export const startApp = (
  extra: Record<string, string> = {},
  options: {
    /** Decide rate limits with this counter instead of the configured one (the rate-limit reference). */
    readonly rateCounter?: (redisUrl: string) => Layer.Layer<RateCounter>
  } = {}
): Effect.Effect<BenchApp, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const [postgres, redis] = yield* Effect.acquireRelease(
      Effect.promise(() => Promise.all([provisionPostgres(), provisionRedis()])),
      ([pg, rd]) => Effect.promise(() => Promise.all([pg.stop(), rd.stop()]))
    )
    const databaseUrl = yield* Provisioning.ensureAppDatabase({
      adminUrl: Redacted.make(postgres.url),
      role: "tradeport",
      password: Redacted.make("bench-password"),
      database: "tradeport_bench"
    })
    const settings = yield* Effect.gen(function* () {
      yield* Migrations.run()
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ version: string; fsync: string; sync: string }>`
        SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
               current_setting('synchronous_commit') AS sync`
      return row
    }).pipe(Effect.provide(PgClient.layer({ url: databaseUrl, maxConnections: 1 })))
    const redisVersion = yield* Effect.promise(async () => {
      const probe = new Redis(redis.url)
      try {
        return /redis_version:(\S+)/.exec(await probe.info("server"))?.[1] ?? "?"
      } finally {
        probe.disconnect()
      }
    })
    const port = yield* Effect.promise(() => freePort())
    const config = ConfigProvider.fromUnknown({
      APP_ENV: "test",
      LOG_LEVEL: "Error",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: Redacted.value(databaseUrl),
      DATABASE_POOL_MAX: "20",
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: "bench:",
      JWT_SECRET: "bench-jwt-secret-0123456789-abcdefghijklmnop",
      ENCRYPTION_KEYS: `b1:${Buffer.alloc(32, 3).toString("base64")}`,
      RATE_LIMIT_AUTH_PER_MINUTE: "100000000",
      RATE_LIMIT_GLOBAL_PER_MINUTE: "100000000",
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ...extra
    })
    const server = serve({ disableListenLog: true }).pipe(
      Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
    )
    const served = Layer.mergeAll(server, RateLimitLive)
    const counted =
      options.rateCounter === undefined ? served : served.pipe(Layer.provide(options.rateCounter(redis.url)))
    const app = withProcess("tradeport-bench", counted).pipe(Layer.provide(ConfigProvider.layer(config)))
    const context = yield* Layer.build(app)
    return {
      base: `http://127.0.0.1:${port}`,
      context: Context.pick(RateLimit.RequestLimiter)(context),
      description: `PostgreSQL ${settings?.version ?? "?"} (fsync=${settings?.fsync ?? "?"}, synchronous_commit=${settings?.sync ?? "?"}), ${postgres.description}; Redis ${redisVersion}, ${redis.description}; app pool 20`,
      databaseUrl,
      adminUrl: postgres.url,
      redisUrl: redis.url
    }
  })

export const client = (base: string) => {
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers: Record<string, string> = {}
  ) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...headers
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} }
  }
  return {
    request,
    /** Registers an organisation (confirming its address through the emailed link) and returns its owner's token. */
    owner: async (email: string) => {
      await signUp(request, { organizationName: "Bench", email, password: "bench password 12345" })
      const login = await request("POST", "/api/v1/auth/login", { email, password: "bench password 12345" })
      return String(login.body["accessToken"])
    }
  }
}

type Request = (
  method: string,
  path: string,
  body?: unknown
) => Promise<{ readonly status: number; readonly body: Record<string, unknown> }>

/**
 * Signs up as a merchant does: register, then follow the confirmation link from the app's development mailbox (the
 * loopback SMTP capture it starts when no SMTP server is configured). Polled: the email is sent after the answer.
 */
export const signUp = async (
  request: Request,
  account: { readonly organizationName: string; readonly email: string; readonly password: string }
) => {
  const registered = await request("POST", "/api/v1/auth/register", account)
  if (registered.status !== 202) throw new Error(`register ${account.email}: ${registered.status}`)
  for (let attempt = 0; attempt < 500; attempt++) {
    const mailbox = await request("GET", `/dev/mailbox?to=${encodeURIComponent(account.email)}`)
    const messages = Array.isArray(mailbox.body["messages"]) ? mailbox.body["messages"] : []
    for (const message of messages) {
      const text = typeof message === "object" && message !== null && "text" in message ? String(message.text) : ""
      const token = /#token=([A-Za-z0-9_.%-]+)/.exec(text)?.[1]
      if (token === undefined) continue
      const verified = await request("POST", "/api/v1/auth/verify", { token: decodeURIComponent(token) })
      if (verified.status !== 204) throw new Error(`verify ${account.email}: ${verified.status}`)
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no confirmation email to ${account.email}`)
}

/**
 * One figure for `npm run bench`'s table (printed as a `BENCH {json}` line, so each benchmark stays runnable on its
 * own): Tradeport's figure, the reference measured in the same run (when there is one), and the target.
 */
export const report = (row: {
  readonly scenario: string
  readonly unit: string
  readonly tradeport: number
  readonly reference?: { readonly name: string; readonly value: number } | undefined
  /** Higher is better (throughput) or lower is better (latency, time). */
  readonly better: "higher" | "lower"
  readonly target: string
}) => console.log(`BENCH ${JSON.stringify(row)}`)
