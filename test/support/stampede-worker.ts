/**
 * One process of the token stampede: a TokenManager on the shared Redis cache and lock, and an app-level
 * client-credentials token (like G2A's `g2a:token:{env}`). At START_AT it fires CALLS concurrent token requests
 * and prints `{"ok":n,"failed":n,"tokens":[...distinct tokens]}`.
 */
import { DateTime, Duration, Effect, Layer, Option, Redacted, References } from "effect"
import { FetchHttpClient } from "effect/http"
import { CircuitBreaker } from "effect/persistence"
import * as AesGcmVault from "../../adapters/crypto/AesGcmVault.ts"
import { keyringFrom } from "../../adapters/crypto/Keyring.ts"
import * as OAuth2 from "../../adapters/providers/shared/OAuth2.ts"
import { ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisDistributedLock from "../../adapters/redis/RedisDistributedLock.ts"
import * as RedisTokenCache from "../../adapters/redis/RedisTokenCache.ts"
import { CredentialVault } from "../../core/connections/ports/CredentialVault.ts"
import { expiryFrom } from "../../core/connections/TokenLifecycle.ts"
import { TokenManager, type TokenSource } from "../../core/connections/TokenManager.ts"

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}

const keyring = keyringFrom(env("ENCRYPTION_KEYS"), undefined)
if (keyring._tag === "Invalid") throw new Error(keyring.problems.join("; "))

const Stack = TokenManager.layer().pipe(
  Layer.provideMerge(
    ProviderClient.layer({
      timeout: Duration.seconds(10),
      retries: 2,
      baseDelay: Duration.millis(20),
      maxDelay: Duration.millis(200)
    }).pipe(
      Layer.provide(CircuitBreaker.layer({ tripPolicy: CircuitBreaker.consecutive(5), openDuration: "30 seconds" })),
      Layer.provide(CircuitBreaker.layerStoreMemory()),
      Layer.provide(FetchHttpClient.layer)
    )
  ),
  Layer.provide(Layer.mergeAll(RedisTokenCache.layer(env("PREFIX")), RedisDistributedLock.layer(env("PREFIX")))),
  Layer.provide(RedisConnection.layer({ url: Redacted.make(env("REDIS_URL")), commandTimeout: Duration.seconds(5) })),
  Layer.provide(Layer.succeed(CredentialVault, AesGcmVault.make(keyring.keyring)))
)

const program = Effect.gen(function* () {
  const manager = yield* TokenManager
  const source: TokenSource<unknown, ProviderClient> = {
    cacheKey: "fake:token:stampede",
    lockKey: "fake:token:stampede",
    stored: Effect.succeedNone,
    refresh: OAuth2.clientCredentials({
      provider: "fake",
      url: env("TOKEN_URL"),
      clientId: env("CLIENT_ID"),
      clientSecret: Redacted.make(env("CLIENT_SECRET")),
      clientAuth: "body"
    }).pipe(
      Effect.flatMap((grant) =>
        DateTime.now.pipe(
          Effect.map((now) => ({ token: grant.accessToken, expiresAt: expiryFrom(grant.expiresIn, now) }))
        )
      )
    )
  }
  const wait = Number(env("START_AT")) - Date.now()
  if (wait > 0) yield* Effect.promise(() => new Promise((resume) => setTimeout(resume, wait)))
  const results = yield* Effect.forEach(
    Array.from({ length: Number(env("CALLS")) }, (_, i) => i),
    () => manager.get(source).pipe(Effect.map(Redacted.value), Effect.option),
    { concurrency: "unbounded" }
  )
  const ok = results.filter(Option.isSome).map((r) => r.value)
  process.stdout.write(
    `${JSON.stringify({ ok: ok.length, failed: results.length - ok.length, tokens: [...new Set(ok)] })}\n`
  )
})

Effect.runPromise(
  program.pipe(Effect.provide(Stack), Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Warn"))
).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
