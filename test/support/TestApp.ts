/**
 * The real HTTP app (routes, middleware, platform) on an ephemeral port, wired to a fresh test database and the
 * run's Redis, with an HttpClient pointed at it. Extra config (e.g. OTEL_EXPORTER_OTLP_ENDPOINT) can be passed.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer } from "effect"
import { FetchHttpClient, HttpServer } from "effect/http"
import { createServer } from "node:http"
import { inject } from "vitest"
import { serve } from "../../apps/http/Server.ts"
import { SchedulerLive } from "../../apps/scheduler/Scheduler.ts"
import { withProcess } from "../../apps/shared/Platform.ts"
import * as SchedulerProbe from "../../apps/shared/SchedulerProbe.ts"
import { AdminDatabase, createDatabase } from "./TestDatabase.ts"

export const TEST_JWT_SECRET = "test-jwt-secret-0123456789-abcdefghijklmnop"
export const TEST_ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 7).toString("base64")}`

/**
 * `listen`: serve on this loopback port (for a real browser, which needs a known origin) instead of an ephemeral
 * one; the test HttpClient points at it either way. `database`: an existing database (the app role's URL and a
 * superuser URL on the same server) instead of a fresh clone of the run's template.
 */
export const testApp = (
  config: Record<string, string> = {},
  options: {
    readonly listen?: number
    readonly database?: { readonly url: string; readonly adminUrl: string }
  } = {}
) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const databaseUrl = options.database?.url ?? (yield* createDatabase)
      const app = Layer.mergeAll(serve({ disableListenLog: true }), SchedulerLive, SchedulerProbe.layer)
      return withProcess("tradeport-test", app).pipe(
        Layer.provideMerge(
          options.listen === undefined
            ? NodeHttpServer.layerTest
            : HttpServer.layerTestClient.pipe(
                Layer.provide(FetchHttpClient.layer),
                Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.listen, host: "127.0.0.1" }))
              )
        ),
        Layer.provideMerge(AdminDatabase.layer(databaseUrl, options.database?.adminUrl)),
        Layer.provide(
          ConfigProvider.layer(
            ConfigProvider.fromUnknown({
              APP_ENV: "test",
              LOG_LEVEL: "Warn",
              DATABASE_URL: databaseUrl,
              REDIS_URL: inject("redisUrl"),
              REDIS_KEY_PREFIX: `test:${databaseUrl.split("/").pop()}:`,
              JWT_SECRET: TEST_JWT_SECRET,
              // Every test client is 127.0.0.1: generous budgets, except in the tests about rate limiting.
              RATE_LIMIT_AUTH_PER_MINUTE: "100000",
              RATE_LIMIT_GLOBAL_PER_MINUTE: "100000",
              ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
              // Fast scrypt: these tests are not about hashing (the hasher's own tests use its real parameters).
              PASSWORD_HASH_LOG2N: "10",
              ...config
            })
          )
        )
      )
    })
  )
