/**
 * The apps as an operator runs them: real processes. Production without secrets refuses to start and names every
 * missing variable; SIGTERM drains and exits 0.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { connect } from "node:net"
import { resolve } from "node:path"
import { inject } from "vitest"
import { eventually, until } from "../support/Eventually.ts"
import { freePort } from "../support/RedisServer.ts"
import { createDatabase } from "../support/TestDatabase.ts"

const root = resolve(import.meta.dirname, "../..")

// Node loading the whole app (type stripping included) takes 5–10 s on an idle 2-core machine, several times that on
// a loaded one: the per-test budgets are sized for the loaded case.
const START = 120_000

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

/**
 * Whether the app has read everything a client sent on a connection: its side of the connection (local port `port`,
 * peer port `clientPort`) has nothing left in its receive queue (Linux /proc/net/tcp). Node parses what it reads at
 * once, so from then on the app knows a request is in flight.
 */
const serverHasRead = (port: number, clientPort: number) => {
  const hex = (n: number) => `:${n.toString(16).toUpperCase().padStart(4, "0")}`
  const fields = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(hex(port)) && f[2]?.endsWith(hex(clientPort)))
  return fields !== undefined && Number.parseInt(fields[4]?.split(":")[1] ?? "1", 16) === 0
}

/** Whether a new connection to the port is refused (the listener is closed). */
const refused = (port: number) =>
  Effect.promise(
    () =>
      new Promise<boolean>((done) => {
        const probe = connect(port, "127.0.0.1")
        probe.once("connect", () => {
          probe.destroy()
          done(false)
        })
        probe.once("error", () => done(true))
      })
  )

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
    START
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
    START
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
        // Each probe is bounded: a connection accepted before the app serves must not stall the loop. Polled until
        // the app answers or exits, however long its start takes on a loaded machine.
        const ready = yield* eventually(
          "the app answers /health/live (or exits)",
          Effect.tryPromise(() =>
            fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2000) })
          ).pipe(Effect.orElseSucceed(() => undefined)),
          (response) => response !== undefined || app.child.exitCode !== null,
          { withinMs: START, everyMs: 100, detail: app.output }
        )
        assert.strictEqual(ready?.status, 200, app.output())
        // A request already on the wire when SIGTERM arrives: its headers are sent, minus the final blank line.
        const socket = connect(port, "127.0.0.1")
        yield* Effect.promise(() => new Promise((done) => socket.once("connect", done)))
        let reply = ""
        socket.on("data", (c: Buffer) => (reply += c.toString()))
        const replied = new Promise((done) => socket.once("end", done))
        socket.write("GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n")
        // The app has read those bytes (so the connection carries a request, not an idle one) before the signal...
        yield* until("the app read the request's first lines", () => serverHasRead(port, socket.localPort!))
        app.child.kill("SIGTERM")
        // ...and the request ends only once shutdown is under way (the app stopped accepting connections).
        yield* eventually("the app stopped listening", refused(port), (r) => r)
        socket.write("\r\n")
        const code = yield* Effect.promise(() => app.exited)
        yield* Effect.promise(() => replied)
        assert.match(reply, /^HTTP\/1\.1 200/, "the in-flight request was answered")
        assert.strictEqual(code, 0, app.output())
      }),
    START + 60_000
  )
})
