/**
 * Effect's `effect/persistence` Redis service implemented on our ioredis connection, so Effect's RateLimiter and
 * CircuitBreaker Redis stores run on the one Redis client we standardise on.
 */
import { Effect, Layer } from "effect"
import * as R from "effect/persistence/Redis"
import { RedisConnection } from "./RedisConnection.ts"

export const layer = Layer.effect(
  R.Redis,
  Effect.gen(function* () {
    const connection = yield* RedisConnection
    const redis = yield* R.make({
      send: <A>(command: string, ...args: ReadonlyArray<string>) =>
        connection
          .use(`send.${command.toLowerCase()}`, (c) => c.call(command, ...args))
          .pipe(
            Effect.map((reply) => reply as A),
            Effect.mapError((cause) => new R.RedisError({ cause }))
          ),
      subscribe: (channel, onMessage) =>
        Effect.acquireRelease(
          Effect.tryPromise({
            try: async () => {
              const sub = connection.duplicate()
              sub.on("message", (ch: string, message: string) => onMessage({ channel: ch, message }))
              await sub.subscribe(channel)
              return sub
            },
            catch: (cause) => new R.RedisError({ cause })
          }),
          (sub) => Effect.promise(() => sub.quit()).pipe(Effect.ignore)
        ).pipe(Effect.as(Effect.void)),
      connect: Effect.sync(() => {
        const c = connection.duplicate()
        return {
          send: <A>(command: string, ...args: ReadonlyArray<string>) =>
            Effect.tryPromise({
              try: () => c.call(command, ...args),
              catch: (cause) => new R.RedisError({ cause })
            }).pipe(Effect.map((reply) => reply as A)),
          close: Effect.sync(() => c.disconnect())
        }
      })
    })
    return R.Redis.of(redis)
  })
)
