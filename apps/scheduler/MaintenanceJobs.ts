/**
 * Housekeeping jobs: release stock held by orders whose reservation expired, and purge idempotency records past
 * their 24 hours. Both are safe with many scheduler instances (SKIP LOCKED claims; deletes are idempotent).
 */
import { Config, Duration, Effect } from "effect"
import { IdempotencyStore } from "../../core/idempotency/ports/IdempotencyStore.ts"
import * as Orders from "../../core/orders/Orders.ts"
import type { Job } from "./JobRunner.ts"

export const Intervals = Config.all({
  reservations: Config.Duration("JOB_RELEASE_RESERVATIONS_EVERY").pipe(Config.withDefault(Duration.seconds(30))),
  idempotency: Config.Duration("JOB_PURGE_IDEMPOTENCY_EVERY").pipe(Config.withDefault(Duration.minutes(10)))
})

export const releaseExpiredReservations = (
  every: Duration.Duration
): Job<Effect.Services<ReturnType<typeof Orders.expireReservations>>> => ({
  name: "release-expired-reservations",
  every,
  timeout: Duration.seconds(30),
  run: Effect.gen(function* () {
    const released = yield* Orders.expireReservations(500)
    if (released > 0)
      yield* Effect.logInfo("expired reservations released").pipe(Effect.annotateLogs({ orders: released }))
  })
})

export const purgeIdempotencyRecords = (every: Duration.Duration): Job<IdempotencyStore> => ({
  name: "purge-idempotency-records",
  every,
  timeout: Duration.seconds(60),
  run: Effect.gen(function* () {
    const purged = yield* (yield* IdempotencyStore).purgeExpired
    if (purged > 0)
      yield* Effect.logInfo("expired idempotency records purged").pipe(Effect.annotateLogs({ records: purged }))
  })
})
