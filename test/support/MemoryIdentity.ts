/** The identity use cases on memory adapters (fast scrypt), for unit tests driven by TestClock. */
import { Duration, Layer, Redacted } from "effect"
import * as HmacAccessTokens from "../../adapters/crypto/HmacAccessTokens.ts"
import * as ScryptPasswordHasher from "../../adapters/crypto/ScryptPasswordHasher.ts"
import * as MemoryAuditLog from "../../adapters/memory/MemoryAuditLog.ts"
import * as MemoryIdentityRepository from "../../adapters/memory/MemoryIdentityRepository.ts"
import * as MemoryLoginAttempts from "../../adapters/memory/MemoryLoginAttempts.ts"
import * as MemoryRevokedSessions from "../../adapters/memory/MemoryRevokedSessions.ts"
import * as MemoryTransactions from "../../adapters/memory/MemoryTransactions.ts"
import * as MemorySessionRepository from "../../adapters/memory/MemorySessionRepository.ts"
import { defaultLockout } from "../../core/identity/Lockout.ts"

export const MemoryIdentity = Layer.mergeAll(
  MemoryIdentityRepository.layer,
  MemorySessionRepository.layer,
  MemoryTransactions.layer,
  MemoryAuditLog.layer,
  MemoryLoginAttempts.layer(defaultLockout),
  MemoryRevokedSessions.layer,
  ScryptPasswordHasher.layer({ log2N: 10, r: 8, p: 1 }),
  HmacAccessTokens.layer({
    secret: Redacted.make("unit-test-secret-unit-test-secret-0123"),
    issuer: "tradeport",
    audience: "tradeport-api",
    ttl: Duration.minutes(15)
  })
)
