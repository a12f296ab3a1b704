/**
 * `npm run bench:tokens`: cached-token lookup latency (in-process layer, and the shared Redis layer with its
 * vault-sealed entries) and the cross-process stampede: 1000 cold calls from 4 processes against a fake token
 * endpoint, reporting how many token requests reached it. Starts its own Redis. Prints figures only.
 */
import { DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { spawn } from "node:child_process"
import { cpus } from "node:os"
import { resolve } from "node:path"
import { report } from "./support/App.ts"
import * as AesGcmVault from "../adapters/crypto/AesGcmVault.ts"
import { keyringFrom } from "../adapters/crypto/Keyring.ts"
import * as MemoryDistributedLock from "../adapters/memory/MemoryDistributedLock.ts"
import * as RedisConnection from "../adapters/redis/RedisConnection.ts"
import * as RedisTokenCache from "../adapters/redis/RedisTokenCache.ts"
import { CredentialVault } from "../core/connections/ports/CredentialVault.ts"
import { TokenCache } from "../core/connections/ports/TokenCache.ts"
import { TokenManager } from "../core/connections/TokenManager.ts"
import { startFakeOAuthProvider } from "../test/fakes/FakeOAuthProvider.ts"
import { provisionRedis } from "../test/support/Services.ts"

const LOOKUPS = Number(process.env["BENCH_LOOKUPS"] ?? 20_000)
const KEYS = `b1:${Buffer.alloc(32, 9).toString("base64")}`

const percentiles = (samples: Array<number>) => {
  samples.sort((a, b) => a - b)
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? 0
  return { p50: at(50), p99: at(99) }
}

const stampede = async (redisUrl: string) => {
  const fake = await startFakeOAuthProvider({ clientId: "bench", clientSecret: "bench-secret" })
  const env = {
    ...process.env,
    REDIS_URL: redisUrl,
    TOKEN_URL: `${fake.url}/oauth/token`,
    CLIENT_ID: "bench",
    CLIENT_SECRET: "bench-secret",
    PREFIX: `bench-stampede:${Date.now()}:`,
    ENCRYPTION_KEYS: KEYS,
    CALLS: "250",
    START_AT: String(Date.now() + 3_000)
  }
  const worker = resolve(import.meta.dirname, "../test/support/stampede-worker.ts")
  const outputs = await Promise.all(
    [1, 2, 3, 4].map(
      () =>
        new Promise<{ ok: number; failed: number }>((done, fail) => {
          const child = spawn(process.execPath, [worker], { env, stdio: ["ignore", "pipe", "inherit"] })
          let out = ""
          child.stdout.on("data", (c: Buffer) => (out += c.toString()))
          child.once("exit", (code) =>
            code === 0 ? done(JSON.parse(out.trim().split("\n").pop()!)) : fail(new Error(`worker exited ${code}`))
          )
        })
    )
  )
  const upstream = fake.tokenRequests()
  await fake.close()
  return { ok: outputs.reduce((n, o) => n + o.ok, 0), failed: outputs.reduce((n, o) => n + o.failed, 0), upstream }
}

const main = async () => {
  const redis = await provisionRedis()
  const keyring = keyringFrom(KEYS, undefined)
  if (keyring._tag === "Invalid") throw new Error("keyring")
  const Stack = TokenManager.layer().pipe(
    Layer.provideMerge(RedisTokenCache.layer("bench:")),
    Layer.provide(MemoryDistributedLock.layer),
    Layer.provide(RedisConnection.layer({ url: Redacted.make(redis.url), commandTimeout: Duration.seconds(2) })),
    Layer.provide(Layer.succeed(CredentialVault, AesGcmVault.make(keyring.keyring)))
  )
  const figures = await Effect.runPromise(
    Effect.gen(function* () {
      const manager = yield* TokenManager
      const cache = yield* TokenCache
      const expiresAt = DateTime.addDuration(yield* DateTime.now, Duration.hours(1))
      const source = {
        cacheKey: "bench:token:test:1",
        lockKey: "bench-lock",
        stored: Effect.succeedNone,
        refresh: Effect.succeed({ token: Redacted.make("at_bench"), expiresAt })
      }
      yield* manager.get(source)
      const local: Array<number> = []
      for (let i = 0; i < LOOKUPS; i++) {
        const t0 = performance.now()
        yield* manager.get(source)
        local.push((performance.now() - t0) * 1000)
      }
      // Warm-up of the Redis path (JIT, connection) before it is timed, as the in-process path was above.
      for (let i = 0; i < 1_000; i++) yield* cache.get(source.cacheKey)
      const shared: Array<number> = []
      for (let i = 0; i < Math.min(LOOKUPS, 5_000); i++) {
        const t0 = performance.now()
        const hit = yield* cache.get(source.cacheKey)
        if (Option.isNone(hit)) return yield* Effect.die(new Error("expected a Redis hit"))
        shared.push((performance.now() - t0) * 1000)
      }
      return { local: percentiles(local), shared: percentiles(shared) }
    }).pipe(Effect.provide(Stack), Effect.scoped)
  )
  const herd = await stampede(redis.url)
  await redis.stop()
  console.log(
    `\nbench:tokens — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${redis.description}`
  )
  const rows: Array<[string, string]> = [
    ["cached lookup, in-process p50 (µs)", figures.local.p50.toFixed(1)],
    ["cached lookup, in-process p99 (µs)", figures.local.p99.toFixed(1)],
    ["cached lookup, Redis+unseal p50 (µs)", figures.shared.p50.toFixed(1)],
    ["cached lookup, Redis+unseal p99 (µs)", figures.shared.p99.toFixed(1)],
    ["stampede: calls ok / failed", `${herd.ok} / ${herd.failed}`],
    ["stampede: token requests upstream", String(herd.upstream)]
  ]
  for (const [name, value] of rows) console.log(`${name.padEnd(40)} ${value.padStart(12)}`)
  report({
    scenario: "cached token p99 (Redis + unseal)",
    unit: "ms",
    tradeport: figures.shared.p99 / 1000,
    better: "lower",
    target: "< 1 ms"
  })
  report({
    scenario: "token stampede: upstream calls for 1000 cold reads",
    unit: "calls",
    tradeport: herd.upstream,
    better: "lower",
    target: "= 1"
  })
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
