/**
 * The one Redis client of the process (ioredis), acquired with the layer and closed with it.
 *
 * Owns: connecting (in the background, so a Redis that is down at boot degrades the app instead of stopping it),
 * bounding every command (`commandTimeout`, no offline queue: a command on a dead connection fails at once
 * instead of waiting), a span per command, and the `redis` readiness probe.
 * Does not own: what is stored (each adapter over Redis owns its keys).
 */
import { Config, Context, Duration, Effect, Layer, Redacted } from "effect"
import { Redis as IORedis } from "ioredis"
import { Readiness } from "../../core/ops/Readiness.ts"
import { CacheError } from "../../core/shared/errors.ts"

export interface RedisConnectionShape {
  /** Runs one operation on the client; `operation` names the span and the error. */
  readonly use: <A>(operation: string, f: (client: IORedis) => Promise<A>) => Effect.Effect<A, CacheError>
  /** A new connection with the same options, for blocking commands or subscriptions; closed with `quit`. */
  readonly duplicate: () => IORedis
}

export class RedisConnection extends Context.Service<RedisConnection, RedisConnectionShape>()(
  "tradeport/adapters/redis/RedisConnection"
) {}

export interface RedisOptions {
  readonly url: Redacted.Redacted
  readonly commandTimeout: Duration.Duration
}

export const OptionsConfig = Config.all({
  commandTimeout: Config.Duration("REDIS_COMMAND_TIMEOUT").pipe(Config.withDefault(Duration.seconds(2)))
})

const isTimeout = (cause: unknown) => cause instanceof Error && /timed? ?out/i.test(cause.message)

export const layer = (options: RedisOptions) =>
  Layer.effect(
    RedisConnection,
    Effect.gen(function*() {
      const timeoutMs = Duration.toMillis(options.commandTimeout)
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const c = new IORedis(Redacted.value(options.url), {
            maxRetriesPerRequest: 0,
            enableOfflineQueue: false,
            commandTimeout: timeoutMs,
            connectTimeout: timeoutMs,
            retryStrategy: (attempt) => Math.min(attempt * 200, 2_000)
          })
          // Connection errors surface through commands and the probe; without a listener ioredis logs them raw.
          c.on("error", () => undefined)
          return c
        }),
        (c) => Effect.promise(() => c.quit().catch(() => c.disconnect())).pipe(Effect.ignore)
      )
      // Give the first connection a moment so a healthy Redis serves the very first request; if it is down, go on
      // degraded (commands fail fast with CacheError, readiness reports it) while ioredis keeps reconnecting.
      const connected = yield* Effect.callback<boolean>((resume) => {
        if (client.status === "ready") return resume(Effect.succeed(true))
        client.once("ready", () => resume(Effect.succeed(true)))
      }).pipe(Effect.timeoutOrElse({ duration: options.commandTimeout, orElse: () => Effect.succeed(false) }))
      if (!connected) yield* Effect.logWarning("redis: not reachable at startup; running degraded until it answers")
      return RedisConnection.of({
        use: (operation, f) =>
          Effect.tryPromise({
            try: () => f(client),
            catch: (cause) => new CacheError({ operation, reason: isTimeout(cause) ? "Timeout" : "Unavailable" })
          }).pipe(Effect.withSpan(`redis.${operation}`, { attributes: { "db.system": "redis" } })),
        duplicate: () => {
          const d = client.duplicate()
          d.on("error", () => undefined)
          return d
        }
      })
    })
  )

export const probe = Layer.effectDiscard(
  Effect.gen(function*() {
    const readiness = yield* Readiness
    const redis = yield* RedisConnection
    yield* readiness.register({
      name: "redis",
      critical: false,
      check: redis.use("ping", (c) => c.ping()).pipe(
        Effect.as({ status: "up" as const }),
        Effect.catch((e) => Effect.succeed({ status: "down" as const, detail: e.reason }))
      )
    })
  })
)

/** When REDIS_URL is unset, single-process mode: in-memory adapters serve the Redis-backed ports. */
export const probeDisabled = Layer.effectDiscard(
  Effect.gen(function*() {
    const readiness = yield* Readiness
    yield* readiness.register({
      name: "redis",
      critical: false,
      check: Effect.succeed({ status: "disabled" as const, detail: "REDIS_URL unset: in-memory adapters (single process)" })
    })
  })
)
