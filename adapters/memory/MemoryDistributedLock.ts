/**
 * DistributedLock within one process (single-process mode, tests): per key, who holds it and until when (Effect
 * Clock), bounded waiting. Like the Redis adapter, a holder that outlives its TTL stops excluding others and can
 * then only release a lock that is still its own. Across processes it protects nothing, which is why
 * multi-instance deployments configure Redis.
 */
import { Clock, Deferred, Duration, Effect, Exit, Layer } from "effect"
import { DistributedLock, LockTimeout } from "../../core/connections/ports/DistributedLock.ts"

interface Held {
  readonly holder: symbol
  readonly until: number
  /** Opened when the holder releases, so waiters wake at once instead of at the TTL. */
  readonly released: Deferred.Deferred<void>
}

export const layer = Layer.sync(DistributedLock, () => {
  const locks = new Map<string, Held>()
  return DistributedLock.of({
    withLock: (key, options) => (effect) => {
      const holder = Symbol(key)
      const acquire = Effect.gen(function* () {
        const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(options.wait)
        while (true) {
          const now = yield* Clock.currentTimeMillis
          const current = locks.get(key)
          if (current === undefined || current.until <= now) {
            locks.set(key, { holder, until: now + Duration.toMillis(options.ttl), released: Deferred.makeUnsafe() })
            return
          }
          if (now >= deadline) return yield* new LockTimeout({ key })
          // Wake on release, on the holder's expiry or at our deadline, whichever comes first; then look again.
          const patience = Duration.millis(Math.min(current.until, deadline) - now)
          yield* Deferred.await(current.released).pipe(Effect.timeoutOption(patience))
        }
      })
      const release = Effect.sync(() => {
        const current = locks.get(key)
        if (current?.holder !== holder) return
        locks.delete(key)
        Deferred.doneUnsafe(current.released, Exit.void)
      })
      return Effect.uninterruptibleMask((restore) =>
        restore(acquire).pipe(Effect.andThen(restore(effect).pipe(Effect.ensuring(release))))
      )
    }
  })
})
