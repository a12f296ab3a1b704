/**
 * The apps as an operator runs them: real processes. Production without secrets refuses to start and names every
 * missing variable; SIGTERM drains and exits 0.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { spawn } from "node:child_process"
import { connect } from "node:net"
import { resolve } from "node:path"
import { inject } from "vitest"
import { freePort } from "../support/RedisServer.ts"
import { createDatabase } from "../support/TestDatabase.ts"

const root = resolve(import.meta.dirname, "../..")

const launch = (script: string, env: Record<string, string>) => {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (c: Buffer) => (output += c.toString()))
  child.stderr.on("data", (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
  return { child, exited, output: () => output }
}

describe("processes", () => {
  it.live(
    "APP_ENV=production with no secrets exits non-zero naming every missing variable",
    () =>
      Effect.gen(function* () {
        const app = launch("apps/http/main.ts", { APP_ENV: "production" })
        const code = yield* Effect.promise(() => app.exited)
        assert.notStrictEqual(code, 0)
        for (const name of ["DATABASE_URL", "REDIS_URL", "JWT_SECRET", "ENCRYPTION_KEYS"]) {
          assert.include(app.output(), `${name} is required in production`)
        }
      }),
    30_000
  )

  it.live(
    "APP_ENV unset: the process refuses to start, naming APP_ENV, instead of running as development",
    () =>
      Effect.gen(function* () {
        const app = launch("apps/main.ts", {})
        const code = yield* Effect.promise(() => app.exited)
        assert.notStrictEqual(code, 0)
        assert.include(app.output(), "APP_ENV")
        assert.notInclude(app.output(), "created local development secrets")
      }),
    30_000
  )

  it.live(
    "SIGTERM stops the app gracefully with exit code 0",
    () =>
      Effect.gen(function* () {
        const port = yield* Effect.promise(() => freePort())
        const databaseUrl = yield* createDatabase
        const app = launch("apps/main.ts", {
          APP_ENV: "test",
          PORT: String(port),
          HOST: "127.0.0.1",
          DATABASE_URL: databaseUrl,
          REDIS_URL: inject("redisUrl"),
          JWT_SECRET: "x".repeat(40),
          ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`
        })
        // Each probe is bounded: a connection accepted before the app serves must not stall the loop.
        const ready = yield* Effect.tryPromise(() =>
          fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2000) })
        ).pipe(
          Effect.retry({ times: 150, schedule: Schedule.spaced("100 millis") }),
          Effect.orElseSucceed(() => undefined)
        )
        assert.strictEqual(ready?.status, 200, app.output())
        // A request already on the wire when SIGTERM arrives: its headers are sent, minus the final blank line.
        const socket = connect(port, "127.0.0.1")
        yield* Effect.promise(() => new Promise((done) => socket.once("connect", done)))
        let reply = ""
        socket.on("data", (c: Buffer) => (reply += c.toString()))
        const replied = new Promise((done) => socket.once("end", done))
        socket.write("GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n")
        yield* Effect.sleep("200 millis")
        app.child.kill("SIGTERM")
        yield* Effect.sleep("300 millis")
        socket.write("\r\n")
        const code = yield* Effect.promise(() => app.exited)
        yield* Effect.promise(() => replied)
        assert.match(reply, /^HTTP\/1\.1 200/, "the in-flight request was answered")
        assert.strictEqual(code, 0, app.output())
      }),
    60_000
  )
})
