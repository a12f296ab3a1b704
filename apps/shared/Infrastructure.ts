/**
 * The infrastructure both apps stand on, chosen from configuration:
 *
 * - Database: DATABASE_URL, or (outside production) an embedded Postgres whose data lives under DATA_DIR, so
 *   `npm start` keeps data across restarts. Migrations run on start unless MIGRATE_ON_START=false.
 * - Redis: REDIS_URL, or single-process mode where in-memory adapters serve the Redis-backed ports.
 * - Readiness registry, logging and tracing.
 */
import { Config, Effect, Layer, Option } from "effect"
import { CircuitBreaker } from "effect/persistence"
import { Readiness } from "../../core/ops/Readiness.ts"
import * as Database from "../../adapters/postgres/Database.ts"
import * as EmbeddedPostgres from "../../adapters/postgres/EmbeddedPostgres.ts"
import * as Migrations from "../../adapters/postgres/Migrations.ts"
import * as Provisioning from "../../adapters/postgres/Provisioning.ts"
import * as AesGcmVault from "../../adapters/crypto/AesGcmVault.ts"
import * as MemoryDistributedLock from "../../adapters/memory/MemoryDistributedLock.ts"
import * as MemoryLoginAttempts from "../../adapters/memory/MemoryLoginAttempts.ts"
import * as MemoryNonceGuard from "../../adapters/memory/MemoryNonceGuard.ts"
import * as MemoryOAuthStateStore from "../../adapters/memory/MemoryOAuthStateStore.ts"
import * as MemoryRateCounter from "../../adapters/memory/MemoryRateCounter.ts"
import * as MemoryRevokedSessions from "../../adapters/memory/MemoryRevokedSessions.ts"
import * as MemoryTokenCache from "../../adapters/memory/MemoryTokenCache.ts"
import * as EffectRedis from "../../adapters/redis/EffectRedis.ts"
import * as RedisDistributedLock from "../../adapters/redis/RedisDistributedLock.ts"
import * as RedisLoginAttempts from "../../adapters/redis/RedisLoginAttempts.ts"
import * as RedisNonceGuard from "../../adapters/redis/RedisNonceGuard.ts"
import * as RedisOAuthStateStore from "../../adapters/redis/RedisOAuthStateStore.ts"
import * as RedisRateCounter from "../../adapters/redis/RedisRateCounter.ts"
import * as RedisRevokedSessions from "../../adapters/redis/RedisRevokedSessions.ts"
import * as RedisTokenCache from "../../adapters/redis/RedisTokenCache.ts"
import { defaultLockout } from "../../core/identity/Lockout.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as Logging from "../../adapters/telemetry/Logging.ts"
import * as Tracing from "../../adapters/telemetry/Tracing.ts"
import { AppEnv, DataDir, StartupError } from "./Environment.ts"

const embeddedDatabaseUrl = Effect.gen(function* () {
  const dataDir = yield* DataDir
  const password = yield* Config.Redacted("EMBEDDED_POSTGRES_PASSWORD")
  const port = yield* Config.option(Config.Port("EMBEDDED_POSTGRES_PORT"))
  yield* EmbeddedPostgres.prepareParentDir(dataDir)
  const cluster = yield* EmbeddedPostgres.clusterDir(dataDir)
  const server = yield* EmbeddedPostgres.start({
    dataDir: cluster,
    password,
    port: Option.getOrUndefined(port),
    durability: "full"
  })
  // The app connects as its own unprivileged role, so row-level security applies to it.
  const url = yield* Provisioning.ensureAppDatabase({
    adminUrl: server.url(),
    role: "tradeport",
    password,
    database: "tradeport"
  })
  yield* Effect.logInfo("embedded Postgres started (DATABASE_URL unset)").pipe(
    Effect.annotateLogs({ port: server.port, dataDir: cluster })
  )
  return url
})

/** Row-level security means nothing to a superuser or a BYPASSRLS role: production refuses one. */
const checkRole = (env: "development" | "test" | "production") =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const verdict = yield* Provisioning.assertNotPrivileged.pipe(Effect.orDie)
      if (verdict.ok) return
      const problem = `DATABASE_URL connects as "${verdict.role}", a superuser or BYPASSRLS role: tenant isolation would not be enforced`
      if (env === "production") return yield* new StartupError({ problems: [problem] })
      yield* Effect.logWarning(problem)
    })
  )

/** SqlClient (+ PgClient) for the app, migrated, with the `database` probe registered. */
export const DatabaseLive = (applicationName: string, migrations: "always" | "config" = "config") =>
  Layer.unwrap(
    Effect.gen(function* () {
      const configured = yield* Config.option(Config.Redacted("DATABASE_URL"))
      const env = yield* AppEnv
      if (Option.isNone(configured) && env === "production") {
        return yield* new StartupError({ problems: ["DATABASE_URL is required in production"] })
      }
      const url = Option.isSome(configured) ? configured.value : yield* embeddedDatabaseUrl
      const pool = yield* Database.PoolConfig
      const migrateOnStart =
        migrations === "always" || (yield* Config.Boolean("MIGRATE_ON_START").pipe(Config.withDefault(true)))
      const migrate = migrateOnStart ? Layer.effectDiscard(Migrations.run()) : Layer.empty
      return Layer.mergeAll(migrate, Database.probe, checkRole(env)).pipe(
        Layer.provideMerge(Database.layer({ url, applicationName, ...pool }))
      )
    })
  )

const LockoutConfig = Config.all({
  threshold: Config.Int("LOCKOUT_THRESHOLD").pipe(Config.withDefault(defaultLockout.threshold)),
  window: Config.Duration("LOCKOUT_WINDOW").pipe(Config.withDefault(defaultLockout.window)),
  lockFor: Config.Duration("LOCKOUT_DURATION").pipe(Config.withDefault(defaultLockout.lockFor))
})

/**
 * Redis when REDIS_URL is set (connection, and the shared stores: rate-limit counters, circuits through Effect's
 * Redis service, lockout, revoked sessions, token cache, refresh lock, OAuth states, nonces); in-process stores
 * otherwise.
 * The token cache seals entries with the vault.
 */
export const RedisLive = Layer.unwrap(
  Effect.gen(function* () {
    const url = yield* Config.option(Config.Redacted("REDIS_URL"))
    const lockout = yield* LockoutConfig
    if (Option.isNone(url)) {
      return Layer.mergeAll(
        RedisConnection.probeDisabled,
        MemoryRateCounter.layer,
        MemoryLoginAttempts.layer(lockout),
        MemoryRevokedSessions.layer,
        MemoryTokenCache.layer,
        MemoryDistributedLock.layer,
        MemoryOAuthStateStore.layer,
        MemoryNonceGuard.layer,
        CircuitBreaker.layerStoreMemory()
      )
    }
    const options = yield* RedisConnection.OptionsConfig
    // Deployments (or test runs) that share one Redis keep apart by prefix.
    const prefix = yield* Config.String("REDIS_KEY_PREFIX").pipe(Config.withDefault("tradeport:"))
    const connection = RedisConnection.layer({ url: url.value, ...options })
    return Layer.mergeAll(
      RedisConnection.probe,
      CircuitBreaker.layerStoreRedis({ prefix: `${prefix}circuit:` }).pipe(Layer.provide(EffectRedis.layer)),
      RedisRateCounter.layer(prefix),
      RedisLoginAttempts.layer(lockout, MemoryLoginAttempts.make(lockout), prefix),
      RedisRevokedSessions.layer(MemoryRevokedSessions.make, prefix),
      RedisTokenCache.layer(prefix),
      RedisDistributedLock.layer(prefix),
      RedisOAuthStateStore.layer(prefix),
      RedisNonceGuard.layer(prefix)
    ).pipe(Layer.provideMerge(connection))
  })
)

export const TelemetryLive = (serviceName: string) =>
  Layer.mergeAll(Logging.layerConfig, Tracing.layerConfig(serviceName))

export const ReadinessLive = Readiness.layer()

/** The credential vault: its keyring comes from configuration only. */
export const VaultLive = AesGcmVault.layerConfig
