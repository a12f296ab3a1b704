/** Adapters of the core ports: Postgres-backed stores over the app's SqlClient, password KDF, access tokens. */
import { Config, Effect, Layer } from "effect"
import { AppEnv, StartupError } from "./Environment.ts"
import * as HmacAccessTokens from "../../adapters/crypto/HmacAccessTokens.ts"
import * as ScryptPasswordHasher from "../../adapters/crypto/ScryptPasswordHasher.ts"
import * as PgShipmentRepository from "../../adapters/postgres/PgShipmentRepository.ts"
import * as PgChannelCursors from "../../adapters/postgres/PgChannelCursors.ts"
import * as PgAuditLog from "../../adapters/postgres/PgAuditLog.ts"
import * as PgConnectionRepository from "../../adapters/postgres/PgConnectionRepository.ts"
import * as PgIdempotencyStore from "../../adapters/postgres/PgIdempotencyStore.ts"
import * as PgInventoryRepository from "../../adapters/postgres/PgInventoryRepository.ts"
import * as PgOrderRepository from "../../adapters/postgres/PgOrderRepository.ts"
import * as PgWebhookEvents from "../../adapters/postgres/PgWebhookEvents.ts"
import * as PgWebhookSources from "../../adapters/postgres/PgWebhookSources.ts"
import * as PgJobStore from "../../adapters/postgres/PgJobStore.ts"
import * as PgPurchaseRepository from "../../adapters/postgres/PgPurchaseRepository.ts"
import * as PgRefreshQueue from "../../adapters/postgres/PgRefreshQueue.ts"
import * as PgHeartbeatStore from "../../adapters/postgres/PgHeartbeatStore.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"
import * as PgTransactions from "../../adapters/postgres/PgTransactions.ts"
import * as PgSessionRepository from "../../adapters/postgres/PgSessionRepository.ts"
import * as PgAccountTokenRepository from "../../adapters/postgres/PgAccountTokenRepository.ts"

/**
 * `PASSWORD_HASH_LOG2N` (15; 10–15): the scrypt cost of new hashes, lowered only outside production (tests). Never
 * raised here: a login for an unknown email spends this cost while a real account spends its stored hash's, so a
 * cost above the stored ones would tell them apart by timing. (Raising it needs rehash-on-login first.) Below the default
 * only outside production: test suites whose subject is not hashing use 10.
 */
const PasswordHasherLive = Layer.unwrap(
  Effect.gen(function* () {
    const log2N = yield* Config.Int("PASSWORD_HASH_LOG2N").pipe(Config.withDefault(ScryptPasswordHasher.defaults.log2N))
    const floor = (yield* AppEnv) === "production" ? ScryptPasswordHasher.defaults.log2N : 10
    const ceiling = ScryptPasswordHasher.defaults.log2N
    if (log2N < floor || log2N > ceiling) {
      return yield* new StartupError({
        problems: [`PASSWORD_HASH_LOG2N must be between ${floor} and ${ceiling} (got ${log2N})`]
      })
    }
    return ScryptPasswordHasher.layer({ ...ScryptPasswordHasher.defaults, log2N })
  })
)

export const PersistenceLive = Layer.mergeAll(
  PgHeartbeatStore.layer,
  PgIdentityRepository.layer,
  PgSessionRepository.layer,
  PgAccountTokenRepository.layer,
  PgAuditLog.layer,
  PasswordHasherLive,
  HmacAccessTokens.layerConfig,
  PgConnectionRepository.layer,
  PgTransactions.layer,
  PgOrderRepository.layer,
  PgInventoryRepository.layer,
  PgIdempotencyStore.layer,
  PgWebhookEvents.layer,
  PgWebhookSources.layer,
  PgJobStore.layer,
  PgRefreshQueue.layer,
  PgPurchaseRepository.layer,
  PgChannelCursors.layer,
  PgShipmentRepository.layer
)
