/**
 * Port: a mutual-exclusion lock shared by every process (single-flight token refresh). The holder is identified
 * by a random token and the lock expires on its own (a crashed holder cannot block forever); waiting is bounded,
 * and running out of patience is a LockTimeout — never confused with a provider error.
 */
import { Context, type Duration, type Effect, Schema } from "effect"
import type { CacheError } from "../../shared/errors.ts"

export class LockTimeout extends Schema.TaggedError<LockTimeout>()("LockTimeout", {
  key: Schema.String
}) {}

export interface LockOptions {
  /** How long the lock holds if its holder vanishes. */
  readonly ttl: Duration.Duration
  /** How long to wait for a busy lock before failing with LockTimeout. */
  readonly wait: Duration.Duration
}

export interface DistributedLockShape {
  readonly withLock: (
    key: string,
    options: LockOptions
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | LockTimeout | CacheError, R>
}

export class DistributedLock extends Context.Service<DistributedLock, DistributedLockShape>()(
  "tradeport/core/connections/ports/DistributedLock"
) {}
