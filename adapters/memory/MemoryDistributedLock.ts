/**
 * DistributedLock within one process (single-process mode, tests): one semaphore per key, bounded waiting. Across
 * processes it protects nothing, which is why multi-instance deployments configure Redis.
 */
import { Effect, Layer, Semaphore } from "effect"
import { DistributedLock, LockTimeout } from "../../core/connections/ports/DistributedLock.ts"

export const layer = Layer.sync(DistributedLock, () => {
  const semaphores = new Map<string, Semaphore.Semaphore>()
  const semaphoreFor = (key: string) => {
    let semaphore = semaphores.get(key)
    if (semaphore === undefined) {
      semaphore = Semaphore.makeUnsafe(1)
      semaphores.set(key, semaphore)
    }
    return semaphore
  }
  return DistributedLock.of({
    withLock: (key, options) => (effect) =>
      Effect.gen(function*() {
        const semaphore = semaphoreFor(key)
        const acquired = yield* semaphore.take(1).pipe(Effect.timeoutOption(options.wait))
        if (acquired._tag === "None") return yield* new LockTimeout({ key })
        return yield* effect.pipe(Effect.ensuring(semaphore.release(1)))
      })
  })
})
