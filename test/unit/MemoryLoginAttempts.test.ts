/**
 * The in-memory lockout store (single-process mode and the Redis-down fallback) stays bounded: accounts whose
 * window and lock have ended are dropped as new attempts arrive, so a flood of distinct emails cannot grow it
 * without end (issue 21 item 3).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryLoginAttempts from "../../adapters/memory/MemoryLoginAttempts.ts"

const policy = { threshold: 5, window: Duration.minutes(15), lockFor: Duration.minutes(15) }

describe("in-memory login attempts", () => {
  it.effect("10,000 accounts seen once are forgotten after their window, a slice per attempt", () =>
    Effect.gen(function* () {
      const store = yield* MemoryLoginAttempts.make(policy)
      for (let i = 0; i < 10_000; i++) yield* store.acquire(`flood-${i}`)
      assert.strictEqual(yield* store.size, 10_000)
      yield* TestClock.adjust(Duration.minutes(16))
      for (let i = 0; i < 11; i++) yield* store.acquire(`later-${i}`)
      assert.isAtMost(yield* store.size, 11, "only the accounts still in a window remain")
    })
  )

  it.effect("a locked account is kept until its lock ends, even after its window", () =>
    Effect.gen(function* () {
      const store = yield* MemoryLoginAttempts.make({ ...policy, lockFor: Duration.hours(1) })
      for (let i = 1; i <= 5; i++) {
        const { attempt } = yield* store.acquire("victim@example.com")
        yield* store.fail("victim@example.com", attempt)
      }
      assert.isFalse((yield* store.acquire("victim@example.com")).allowed)
      yield* TestClock.adjust(Duration.minutes(20))
      for (let i = 0; i < 3; i++) yield* store.acquire(`other-${i}`)
      assert.isFalse((yield* store.acquire("victim@example.com")).allowed, "still locked after the window ended")
      yield* TestClock.adjust(Duration.hours(1))
      assert.isTrue((yield* store.acquire("victim@example.com")).allowed)
    })
  )
})
