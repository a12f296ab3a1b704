/**
 * OAuthStateStore on Redis: `SET … PX` to store, `GETDEL` to consume (atomic: of two concurrent callbacks with the
 * same state, one wins). Entries are sealed by the vault, since they carry PKCE verifiers.
 */
import { Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { PendingAuthorization } from "../../core/connections/OAuthFlow.ts"
import { CredentialVault } from "../../core/connections/ports/CredentialVault.ts"
import { OAuthStateStore } from "../../core/connections/ports/OAuthStateStore.ts"
import { RedisConnection } from "./RedisConnection.ts"

const Json = Schema.fromJsonString(PendingAuthorization)
const encode = Schema.encodeSync(Json)
const decode = Schema.decodeUnknownEffect(Json)

export const layer = (prefix = "tradeport:") =>
  Layer.effect(
    OAuthStateStore,
    Effect.gen(function* () {
      const redis = yield* RedisConnection
      const vault = yield* CredentialVault
      const key = (state: string) => `${prefix}oauth:state:${state}`
      const location = (state: string) => ({ organizationId: "oauth-state", connectionId: state, field: "pending" })
      return OAuthStateStore.of({
        put: (state, pending, ttl) =>
          vault.encrypt(Redacted.make(encode(pending)), location(state)).pipe(
            Effect.flatMap((sealed) =>
              redis.use("oauthState.put", (c) => c.set(key(state), sealed, "PX", Duration.toMillis(ttl)))
            ),
            Effect.asVoid
          ),
        consume: (state) =>
          redis
            .use("oauthState.consume", (c) => c.getdel(key(state)))
            .pipe(
              Effect.flatMap((sealed) =>
                sealed === null
                  ? Effect.succeedNone
                  : vault.decrypt(sealed, location(state)).pipe(
                      Effect.flatMap((plain) => decode(Redacted.value(plain))),
                      Effect.map(Option.some),
                      Effect.orElseSucceed(() => Option.none())
                    )
              )
            )
      })
    })
  )
