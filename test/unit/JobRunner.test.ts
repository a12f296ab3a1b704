import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Ref, Scope } from "effect"
import { TestClock } from "effect/testing"
import { JobRunner } from "../../apps/scheduler/JobRunner.ts"

describe("job runner", () => {
  it.effect("runs a job every interval, records failures and keeps going", () =>
    Effect.gen(function*() {
      const runner = yield* JobRunner
      const calls = yield* Ref.make(0)
      yield* runner.start({
        name: "flaky",
        every: Duration.seconds(10),
        timeout: Duration.seconds(1),
        run: Ref.updateAndGet(calls, (n) => n + 1).pipe(
          Effect.flatMap((n) => (n === 2 ? Effect.fail("second run breaks") : Effect.void))
        )
      })
      yield* TestClock.adjust("0 seconds")
      assert.strictEqual(yield* Ref.get(calls), 1)
      yield* TestClock.adjust("10 seconds")
      const [afterFailure] = yield* runner.states
      assert.strictEqual(yield* Ref.get(calls), 2)
      assert.strictEqual(afterFailure?.consecutiveFailures, 1)
      assert.deepStrictEqual(afterFailure?.lastError, Option.some("second run breaks"))
      yield* TestClock.adjust("10 seconds")
      const [recovered] = yield* runner.states
      assert.strictEqual(yield* Ref.get(calls), 3)
      assert.strictEqual(recovered?.consecutiveFailures, 0)
      assert.strictEqual(recovered?.runs, 3)
    }).pipe(Effect.provide(JobRunner.layer())))

  it.effect("a run that exceeds its timeout is recorded as a failure", () =>
    Effect.gen(function*() {
      const runner = yield* JobRunner
      yield* runner.start({ name: "slow", every: Duration.minutes(1), timeout: Duration.seconds(1), run: Effect.never })
      yield* TestClock.adjust("1 second")
      const [state] = yield* runner.states
      assert.deepStrictEqual(state?.lastError, Option.some("timed out after 1s"))
    }).pipe(Effect.provide(JobRunner.layer())))

  it.effect("shutdown waits for the run in progress to finish", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const started = yield* Deferred.make<void>()
      const finished = yield* Ref.make(false)
      const runner = yield* Layer.buildWithScope(JobRunner.layer("30 seconds"), scope).pipe(
        Effect.map((context) => Context.get(context, JobRunner))
      )
      yield* runner.start({
        name: "drain",
        every: Duration.minutes(1),
        timeout: Duration.minutes(1),
        run: Deferred.succeed(started, undefined).pipe(
          Effect.andThen(Effect.sleep("5 seconds")),
          Effect.andThen(Ref.set(finished, true))
        )
      })
      yield* Deferred.await(started)
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(closing)
      assert.isTrue(yield* Ref.get(finished))
    }))
})
