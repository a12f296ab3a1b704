/**
 * TokenCache on Redis, shared by every instance. Entries expire with the token (PX = remaining lifetime less the
 * refresh margin) and are sealed by the credential vault (bound to their key), so Redis never holds a usable
 * token in clear.
 */
import { DateTime, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { CredentialVault } from "../../core/connections/ports/CredentialVault.ts"
import { TokenCache } from "../../core/connections/ports/TokenCache.ts"
import { RedisConnection } from "./RedisConnection.ts"

const Entry = Schema.fromJsonString(Schema.Struct({ token: Schema.String, expiresAt: Schema.Number }))
const decodeEntry = Schema.decodeUnknownEffect(Entry)
const encodeEntry = Schema.encodeSync(Entry)

export const layer = (prefix = "tradeport:") =>
  Layer.effect(
    TokenCache,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      const vault = yield* CredentialVault
      const location = (key: string) => ({ organizationId: "token-cache", connectionId: key, field: "token" })
      return TokenCache.of({
        get: (key) =>
          redis
            .use("tokenCache.get", (c) => c.get(`${prefix}${key}`))
            .pipe(
              Effect.flatMap((sealed) =>
                sealed === null
                  ? Effect.succeedNone
                  : vault.decrypt(sealed, location(key)).pipe(
                      Effect.flatMap((plain) => decodeEntry(Redacted.value(plain))),
                      Effect.map((entry) =>
                        Option.some({
                          token: Redacted.make(entry.token),
                          expiresAt: DateTime.makeUnsafe(entry.expiresAt)
                        })
                      ),
                      // An entry we cannot open (rotated keys, corruption) is a miss, not an outage.
                      Effect.orElseSucceed(() => Option.none())
                    )
              )
            ),
        set: (key, token, ttl) =>
          vault
            .encrypt(
              Redacted.make(
                encodeEntry({ token: Redacted.value(token.token), expiresAt: DateTime.toEpochMillis(token.expiresAt) })
              ),
              location(key)
            )
            .pipe(
              Effect.flatMap((sealed) =>
                redis.use("tokenCache.set", (c) =>
                  c.set(`${prefix}${key}`, sealed, "PX", Math.max(1, Math.floor(Duration.toMillis(ttl))))
                )
              ),
              Effect.asVoid
            ),
        delete: (key) => redis.use("tokenCache.delete", (c) => c.del(`${prefix}${key}`)).pipe(Effect.asVoid)
      })
    })
  )
