/**
 * The RevokedSessions contract on both adapters (in-process memory, Redis): a revoked session is denied at once,
 * also as seen from another instance; other sessions are not; the entry lasts its TTL (the access-token lifetime)
 * and then goes; revoking again never shortens it. Memory expires on the Effect Clock (driven by TestClock); Redis
 * expires keys itself (polled, bounded). A dead Redis degrades to what this instance revoked, never to an error.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"
import * as MemoryRevokedSessions from "../../adapters/memory/MemoryRevokedSessions.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisRevokedSessions from "../../adapters/redis/RedisRevokedSessions.ts"
import { RevokedSessions, type RevokedSessionsShape } from "../../core/identity/ports/RevokedSessions.ts"
import { SessionId } from "../../core/identity/Principal.ts"
import { freePort } from "../support/RedisServer.ts"

const LIFETIME = Duration.minutes(15)
/** Short enough for Redis to expire within the polling budget, long enough to be observed first. */
const SHORT = Duration.seconds(1)

/** The same store as another app instance sees it (for memory, the one process's store itself). */
class Peer extends Context.Service<Peer, RevokedSessionsShape>()("test/contract/RevokedSessions/Peer") {}

interface Time {
  readonly live: boolean
  /** One polling step: moves the TestClock, or waits a little real time. */
  readonly step: Effect.Effect<void>
}

/** Runs `check` after each of at most 200 steps until it holds; whether it ever did. */
const eventually = <E>(time: Time, check: Effect.Effect<boolean, E>) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 200; attempt++) {
      yield* time.step
      if (yield* check) return true
    }
    return false
  })

const fresh = () => SessionId.make(randomUUID())

const contract = (name: string, stores: Layer.Layer<RevokedSessions | Peer>, time: Time) =>
  layer(stores, { excludeTestServices: time.live })(`RevokedSessions contract: ${name}`, (it) => {
    it.effect("a revoked session is denied at once, on this instance and another; other sessions are not", () =>
      Effect.gen(function* () {
        const here = yield* RevokedSessions
        const there = yield* Peer
        const [revoked, untouched] = [fresh(), fresh()]
        assert.isFalse(yield* here.isRevoked(revoked))
        yield* here.revoke(revoked, LIFETIME)
        assert.isTrue(yield* here.isRevoked(revoked))
        assert.isTrue(yield* there.isRevoked(revoked), "seen by another instance")
        assert.isFalse(yield* here.isRevoked(untouched))
        assert.isFalse(yield* there.isRevoked(untouched))
      })
    )

    it.effect("an entry lasts its TTL and then goes", () =>
      Effect.gen(function* () {
        const store = yield* RevokedSessions
        const there = yield* Peer
        const [short, long] = [fresh(), fresh()]
        yield* store.revoke(short, SHORT)
        yield* store.revoke(long, LIFETIME)
        assert.isTrue(yield* there.isRevoked(short))
        const gone = Effect.all([store.isRevoked(short), there.isRevoked(short)]).pipe(Effect.map(([a, b]) => !a && !b))
        assert.isTrue(yield* eventually(time, gone), "never expired")
        assert.isTrue(yield* store.isRevoked(long), "an entry with the access-token lifetime is still there")
        assert.isTrue(yield* there.isRevoked(long))
      })
    )

    it.effect("revoking again never shortens an entry", () =>
      Effect.gen(function* () {
        const store = yield* RevokedSessions
        const there = yield* Peer
        const [session, witness] = [fresh(), fresh()]
        yield* store.revoke(session, LIFETIME)
        yield* store.revoke(session, SHORT)
        // A witness revoked for the short TTL after it: once the witness is gone, so would a shortened entry be.
        yield* store.revoke(witness, SHORT)
        const witnessGone = Effect.map(there.isRevoked(witness), (revoked) => !revoked)
        assert.isTrue(yield* eventually(time, witnessGone), "the witness never expired")
        assert.isTrue(yield* store.isRevoked(session))
        assert.isTrue(yield* there.isRevoked(session))
      })
    )
  })

const memory = Layer.effect(
  Peer,
  RevokedSessions.useSync((s) => s)
).pipe(Layer.provideMerge(MemoryRevokedSessions.layer))

/** Two instances over one Redis, each with its own in-process fallback. */
const redis = Layer.unwrap(
  Effect.sync(() => {
    const prefix = `test:${randomUUID()}:`
    const instance = () => Layer.fresh(RedisRevokedSessions.layer(MemoryRevokedSessions.make, prefix))
    const peer = Layer.effect(
      Peer,
      RevokedSessions.useSync((s) => s)
    ).pipe(Layer.provide(instance()))
    return Layer.merge(instance(), peer).pipe(
      Layer.provide(
        RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) })
      )
    )
  })
)

describe("RevokedSessions", () => {
  contract("memory", memory, { live: false, step: TestClock.adjust(Duration.millis(100)) })
  contract("redis", redis, { live: true, step: Effect.sleep(Duration.millis(100)) })

  it.live(
    "Redis down: no error; this instance's own revocations still hold",
    () =>
      Effect.gen(function* () {
        const store = yield* RevokedSessions
        const [revoked, other] = [fresh(), fresh()]
        yield* store.revoke(revoked, LIFETIME)
        assert.isTrue(yield* store.isRevoked(revoked))
        assert.isFalse(yield* store.isRevoked(other))
      }).pipe(
        Effect.provide(
          Layer.unwrap(
            Effect.promise(() => freePort()).pipe(
              Effect.map((port) =>
                RedisRevokedSessions.layer(MemoryRevokedSessions.make, "dead:").pipe(
                  Layer.provide(
                    RedisConnection.layer({
                      url: Redacted.make(`redis://127.0.0.1:${port}`),
                      commandTimeout: Duration.millis(300)
                    })
                  )
                )
              )
            )
          )
        )
      ),
    20_000
  )
})
