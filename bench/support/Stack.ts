/**
 * For the fault and security scripts: a throwaway PostgreSQL and Redis (provisioned as the tests do), the migrated
 * app database, and the HTTP app as its own process (`node apps/http/main.ts`), so it can be killed and restarted.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as Migrations from "../../adapters/postgres/Migrations.ts"
import * as Provisioning from "../../adapters/postgres/Provisioning.ts"
import { freePort, type RedisServer, startRedisServer } from "../../test/support/RedisServer.ts"
import { provisionPostgres } from "../../test/support/Services.ts"
import { signUp } from "./App.ts"

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `extraEnv`: more configuration for every process of the stack (provider URLs, job intervals). */
export const startStack = async (name: string, extraEnv: Readonly<Record<string, string>> = {}) => {
  const pg = await provisionPostgres()
  let redis: RedisServer = await startRedisServer()
  const database = `tradeport_${name}`
  const databaseUrl = await Effect.runPromise(
    Effect.gen(function* () {
      const url = yield* Provisioning.ensureAppDatabase({
        adminUrl: Redacted.make(pg.url),
        role: "tradeport",
        password: Redacted.make(`${name}-password`),
        database
      })
      yield* Migrations.run().pipe(Effect.provide(PgClient.layer({ url, maxConnections: 1 })))
      return Redacted.value(url)
    })
  )
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const env = (listen = port) => ({
    ...process.env,
    APP_ENV: "test",
    LOG_LEVEL: "Error",
    PORT: String(listen),
    HOST: "127.0.0.1",
    MIGRATE_ON_START: "false",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `${name}:`,
    REDIS_COMMAND_TIMEOUT: "500 millis",
    JWT_SECRET: `${name}-jwt-secret-0123456789-abcdefghijklmnop`,
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString("base64")}`,
    RATE_LIMIT_AUTH_PER_MINUTE: "100000000",
    RATE_LIMIT_GLOBAL_PER_MINUTE: "100000000",
    PUBLIC_BASE_URL: base,
    ...extraEnv
  })
  let app: ChildProcess | undefined
  const startApp = async () => {
    app = spawn(process.execPath, ["apps/http/main.ts"], { env: env(), stdio: ["ignore", "ignore", "inherit"] })
    for (let i = 0; i < 300; i++) {
      const live = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false
      )
      if (live) return
      await sleep(100)
    }
    throw new Error("the app did not start")
  }
  await startApp()
  /** Another process on the same PostgreSQL and Redis: an HTTP instance (on its own port) or a scheduler. */
  const startInstance = async (kind: "http" | "scheduler") => {
    const listen = await freePort()
    const child = spawn(process.execPath, [kind === "http" ? "apps/http/main.ts" : "apps/scheduler/main.ts"], {
      env: env(listen),
      stdio: ["ignore", "ignore", "inherit"]
    })
    const url = `http://127.0.0.1:${listen}`
    if (kind === "http") {
      for (let i = 0; i < 300; i++) {
        if (
          await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1000) }).then(
            (r) => r.ok,
            () => false
          )
        )
          break
        await sleep(100)
      }
    }
    return { base: url, stop: () => child.kill("SIGTERM") }
  }
  const api = async (method: string, path: string, body: unknown, token?: string) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
      },
      body: JSON.stringify(body)
    })
    return (await response.json()) as Record<string, unknown>
  }
  /** Registers an organisation and logs its owner in. */
  const owner = async (email: string) => {
    await signUp(
      async (method, path, body) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        })
        const text = await response.text()
        return { status: response.status, body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} }
      },
      { organizationName: name, email, password: `${name} password 12345` }
    )
    return String(
      (await api("POST", "/api/v1/auth/login", { email, password: `${name} password 12345` }))["accessToken"]
    )
  }
  const pgPort = new URL(pg.url).port
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the PostgreSQL server and all its backends: unreachable, not refusing. */
  const signalPostgres = (signal: "SIGSTOP" | "SIGCONT") => {
    const postmaster = spawnSync("pgrep", ["-f", "--", `-p ${pgPort} `], { encoding: "utf8" })
      .stdout.trim()
      .split("\n")
      .filter((p) => p !== "")
    const children = postmaster.flatMap((pid) =>
      spawnSync("pgrep", ["-P", pid], { encoding: "utf8" })
        .stdout.trim()
        .split("\n")
        .filter((p) => p !== "")
    )
    for (const pid of [...postmaster, ...children]) process.kill(Number(pid), signal)
    return postmaster.length + children.length
  }
  return {
    base,
    api,
    owner,
    signalPostgres,
    startInstance,
    adminUrl: pg.url.replace(/\/[^/]*$/, `/${database}`),
    startApp,
    killApp: () => app?.kill("SIGKILL"),
    redis: () => redis,
    restartRedis: async (port: number) => {
      redis = await startRedisServer("redis-server", port)
    },
    stop: async () => {
      app?.kill("SIGTERM")
      await redis.stop()
      await pg.stop()
    }
  }
}
