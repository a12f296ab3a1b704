/**
 * OAuthStateStore on Redis: `SET … PX` to store, `GETDEL` to consume, and for a conditional consume a read, the
 * caller's check, then a compare-and-delete script (atomic either way: of two concurrent callbacks with the
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
      // Deletes the entry only if it still holds what was read (of two accepted callers, one wins).
      const takeIfSame = redis.script({
        name: "oauth_state_take",
        lua: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
        keys: 1
      })
      const open = (state: string, sealed: string) =>
        vault.decrypt(sealed, location(state)).pipe(
          Effect.flatMap((plain) => decode(Redacted.value(plain))),
          Effect.map(Option.some),
          Effect.orElseSucceed(() => Option.none<PendingAuthorization>())
        )
      return OAuthStateStore.of({
        consumeIf: (state, accept) =>
          Effect.gen(function* () {
            const sealed = yield* redis.use("oauthState.read", (c) => c.get(key(state)))
            if (sealed === null) return { _tag: "Missing" } as const
            const pending = yield* open(state, sealed)
            if (Option.isNone(pending)) return { _tag: "Missing" } as const
            if (!accept(pending.value)) return { _tag: "Refused", pending: pending.value } as const
            const taken = yield* takeIfSame([key(state)], [sealed])
            return taken === 1
              ? ({ _tag: "Consumed", pending: pending.value } as const)
              : ({ _tag: "Missing" } as const)
          }),
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
