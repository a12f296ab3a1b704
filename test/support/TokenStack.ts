/**
 * The connections + token machinery on a fresh test database and the run's Redis, without the HTTP app: for
 * token lifecycle tests that drive time or run several managers side by side.
 */
import { Duration, Layer, Redacted } from "effect"
import { inject } from "vitest"
import * as AesGcmVault from "../../adapters/crypto/AesGcmVault.ts"
import * as PgAuditLog from "../../adapters/postgres/PgAuditLog.ts"
import * as PgConnectionRepository from "../../adapters/postgres/PgConnectionRepository.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"
import * as PgTransactions from "../../adapters/postgres/PgTransactions.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisDistributedLock from "../../adapters/redis/RedisDistributedLock.ts"
import * as RedisTokenCache from "../../adapters/redis/RedisTokenCache.ts"
import { keyringFrom } from "../../adapters/crypto/Keyring.ts"
import { NotifierLive } from "../../apps/shared/Notifications.ts"
import { CredentialVault } from "../../core/connections/ports/CredentialVault.ts"
import { TestMail } from "./Mail.ts"
import { providerClient } from "./ProviderStack.ts"
import { TEST_ENCRYPTION_KEYS } from "./TestApp.ts"
import * as TestDatabase from "./TestDatabase.ts"

const keyring = keyringFrom(TEST_ENCRYPTION_KEYS, undefined)
if (keyring._tag === "Invalid") throw new Error(keyring.problems.join("; "))
export const TestVault = Layer.succeed(CredentialVault, AesGcmVault.make(keyring.keyring))

/** Shared (cross-"process") stores: Redis cache and lock under a per-stack prefix. */
export const sharedStores = (prefix: string) =>
  Layer.mergeAll(RedisTokenCache.layer(prefix), RedisDistributedLock.layer(prefix)).pipe(
    Layer.provide(
      RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) })
    ),
    Layer.provide(TestVault)
  )

export const Persistence = Layer.mergeAll(
  PgConnectionRepository.layer,
  PgAuditLog.layer,
  PgIdentityRepository.layer,
  PgTransactions.layer
).pipe(Layer.provideMerge(TestDatabase.layer))

export const tokenStack = (prefix: string) =>
  Layer.mergeAll(TestVault, sharedStores(prefix), NotifierLive).pipe(
    Layer.provideMerge(Persistence),
    Layer.provideMerge(TestMail),
    Layer.provideMerge(
      providerClient({
        timeout: Duration.seconds(2),
        retries: 1,
        baseDelay: Duration.millis(10),
        maxDelay: Duration.millis(50)
      })
    )
  )
