/**
 * The stampede: 1000 concurrent calls needing a token on a cold cache, from 4 separate processes sharing Redis.
 * Exactly one token request may reach the provider, and every call must get the token.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { resolve } from "node:path"
import { inject } from "vitest"
import { startFakeOAuthProvider } from "../fakes/FakeOAuthProvider.ts"
import { TEST_ENCRYPTION_KEYS } from "../support/TestApp.ts"

const worker = resolve(import.meta.dirname, "../support/stampede-worker.ts")

const runWorker = (env: Record<string, string>) =>
  new Promise<{ ok: number; failed: number; tokens: Array<string> }>((done, fail) => {
    const child = spawn(process.execPath, [worker], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (c: Buffer) => (out += c.toString()))
    child.stderr.on("data", (c: Buffer) => (err += c.toString()))
    child.once("exit", (code) =>
      code === 0 ? done(JSON.parse(out.trim().split("\n").pop()!)) : fail(new Error(`worker ${code}: ${err}`))
    )
  })

describe("token stampede across processes", () => {
  it.live(
    "1000 cold calls from 4 processes → exactly 1 token request, all 1000 succeed",
    () =>
      Effect.gen(function* () {
        const fake = yield* Effect.acquireRelease(
          Effect.promise(() => startFakeOAuthProvider({ clientId: "stampede", clientSecret: "stampede-secret" })),
          (f) => Effect.promise(f.close)
        )
        const env = {
          REDIS_URL: inject("redisUrl"),
          TOKEN_URL: `${fake.url}/oauth/token`,
          CLIENT_ID: "stampede",
          CLIENT_SECRET: "stampede-secret",
          PREFIX: `stampede:${randomUUID()}:`,
          ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
          CALLS: "250",
          START_AT: String(Date.now() + 2_500)
        }
        const results = yield* Effect.promise(() => Promise.all([1, 2, 3, 4].map(() => runWorker(env))))
        const ok = results.reduce((n, r) => n + r.ok, 0)
        const tokens = new Set(results.flatMap((r) => r.tokens))
        assert.strictEqual(ok, 1000)
        assert.strictEqual(
          results.reduce((n, r) => n + r.failed, 0),
          0
        )
        assert.strictEqual(fake.tokenRequests(), 1, "one token request reached the provider")
        assert.strictEqual(tokens.size, 1, "every call got the same token")
      }).pipe(Effect.scoped),
    60_000
  )
})
