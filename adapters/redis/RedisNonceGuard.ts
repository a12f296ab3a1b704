/** NonceGuard on Redis: `SET {prefix}nonce:{provider}:{nonce} 1 NX EX ttl` — shared by every instance. */
import { Duration, Effect, Layer } from "effect"
import { NonceGuard } from "../../core/webhooks/ports/NonceGuard.ts"
import { RedisConnection } from "./RedisConnection.ts"

export const layer = (prefix = "tradeport:") =>
  Layer.effect(
    NonceGuard,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      return NonceGuard.of({
        claim: (scope, nonce, ttl) =>
          redis
            .use("nonce.claim", (c) =>
              c.set(`${prefix}nonce:${scope}:${nonce}`, "1", "EX", Math.ceil(Duration.toSeconds(ttl)), "NX")
            )
            .pipe(Effect.map((reply) => reply === "OK")),
        release: (scope, nonce) =>
          redis.use("nonce.release", (c) => c.del(`${prefix}nonce:${scope}:${nonce}`)).pipe(Effect.asVoid)
      })
    })
  )
