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
import { createHash } from "node:crypto"
import { Readiness } from "../../core/ops/Readiness.ts"
import { CacheError } from "../../core/shared/errors.ts"

export interface RedisConnectionShape {
  /** Runs one operation on the client; `operation` names the span and the error. */
  readonly use: <A>(operation: string, f: (client: IORedis) => Promise<A>) => Effect.Effect<A, CacheError>
  /**
   * A Lua script as one command (EVALSHA; EVAL when the server answers NOSCRIPT). `traced: false` skips the span:
   * for a command every request makes (rate limiting), whose time is already inside the request's span.
   */
  readonly script: (
    definition: ScriptDefinition
  ) => (keys: ReadonlyArray<string>, args: ReadonlyArray<string>) => Effect.Effect<unknown, CacheError>
  /** A new connection with the same options, for blocking commands or subscriptions; closed with `quit`. */
  readonly duplicate: () => IORedis
}

export interface ScriptDefinition {
  /** Names the command, the span and the error: letters, digits and `_`. */
  readonly name: string
  readonly lua: string
  readonly keys: number
  readonly traced?: boolean
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
    Effect.gen(function* () {
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
      // No stack trace per span: it would always point here, and capturing one costs more than the command.
      const traced =
        (operation: string) =>
        <A, E>(effect: Effect.Effect<A, E>) =>
          Effect.withSpan(effect, `redis.${operation}`, {
            attributes: { "db.system": "redis" },
            captureStackTrace: false
          })
      const run = <A>(operation: string, f: () => Promise<A>) =>
        Effect.tryPromise({
          try: f,
          catch: (cause) => new CacheError({ operation, reason: isTimeout(cause) ? "Timeout" : "Unavailable" })
        })
      return RedisConnection.of({
        use: (operation, f) => run(operation, () => f(client)).pipe(traced(operation)),
        script: ({ name, lua, keys, traced: withSpan = true }) => {
          // EVALSHA; a server that does not have the script yet (first call, restart, SCRIPT FLUSH) gets it by EVAL.
          const sha = createHash("sha1").update(lua).digest("hex")
          const call = (k: ReadonlyArray<string>, a: ReadonlyArray<string>): Promise<unknown> =>
            client
              .evalsha(sha, keys, ...k, ...a)
              .catch((error: unknown) =>
                error instanceof Error && error.message.startsWith("NOSCRIPT")
                  ? client.eval(lua, keys, ...k, ...a)
                  : Promise.reject(error)
              )
          return (k, a) => {
            // A wrong key count is a bug here, not Redis being unavailable (which would quietly fall back).
            if (k.length !== keys)
              return Effect.die(new Error(`redis script ${name}: expected ${keys} keys, got ${k.length}`))
            return withSpan ? run(name, () => call(k, a)).pipe(traced(name)) : run(name, () => call(k, a))
          }
        },
        duplicate: () => {
          const d = client.duplicate()
          d.on("error", () => undefined)
          return d
        }
      })
    })
  )

export const probe = Layer.effectDiscard(
  Effect.gen(function* () {
    const readiness = yield* Readiness
    const redis = yield* RedisConnection
    yield* readiness.register({
      name: "redis",
      critical: false,
      check: redis
        .use("ping", (c) => c.ping())
        .pipe(
          Effect.as({ status: "up" as const }),
          Effect.catch((e) => Effect.succeed({ status: "down" as const, detail: e.reason }))
        )
    })
  })
)

/** When REDIS_URL is unset, single-process mode: in-memory adapters serve the Redis-backed ports. */
export const probeDisabled = Layer.effectDiscard(
  Effect.gen(function* () {
    const readiness = yield* Readiness
    yield* readiness.register({
      name: "redis",
      critical: false,
      check: Effect.succeed({
        status: "disabled" as const,
        detail: "REDIS_URL unset: in-memory adapters (single process)"
      })
    })
  })
)
