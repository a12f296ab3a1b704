/**
 * Once per test run: provision real Postgres and Redis (see Services.ts), migrate a template database that every
 * test file clones (CREATE DATABASE … TEMPLATE: isolated and fast), and hand the URLs to the tests.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Redis } from "ioredis"
import type { TestProject } from "vitest/node"
import * as Migrations from "../../adapters/postgres/Migrations.ts"
import * as Provisioning from "../../adapters/postgres/Provisioning.ts"
import { provisionPostgres, provisionRedis } from "./Services.ts"

declare module "vitest" {
  export interface ProvidedContext {
    readonly databaseAdminUrl: string
    readonly redisUrl: string
  }
}

export const TEMPLATE_DATABASE = "tradeport_template"
export const APP_ROLE = "tradeport"
export const APP_PASSWORD = "tradeport-test-password"

const withDatabase = <A, E>(url: string, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(effect.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))))

export default async function setup(project: TestProject) {
  const [postgres, redis] = await Promise.all([provisionPostgres(), provisionRedis()])
  const version = await withDatabase(
    postgres.url,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`DROP DATABASE IF EXISTS ${sql(TEMPLATE_DATABASE)}`
      const rows = yield* sql<{ server_version: string }>`SHOW server_version`
      return rows[0]?.server_version ?? "?"
    })
  )
  // Migrations run as the unprivileged app role that owns the schema, exactly as in development.
  const templateUrl = await Effect.runPromise(
    Provisioning.ensureAppDatabase({
      adminUrl: Redacted.make(postgres.url),
      role: APP_ROLE,
      password: Redacted.make(APP_PASSWORD),
      database: TEMPLATE_DATABASE
    })
  )
  await withDatabase(Redacted.value(templateUrl), Migrations.run())
  const client = new Redis(redis.url)
  const redisVersion = /redis_version:(\S+)/.exec(await client.info("server"))?.[1] ?? "?"
  await client.quit()
  console.log(`[integration] PostgreSQL ${version} — ${postgres.description}`)
  console.log(`[integration] Redis ${redisVersion} — ${redis.description}`)
  project.provide("databaseAdminUrl", postgres.url)
  project.provide("redisUrl", redis.url)
  return async () => {
    await Promise.all([postgres.stop(), redis.stop()])
  }
}
