import { assert, describe, it } from "@effect/vitest"
import {
  ConfigProvider,
  Context,
  Cron,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Ref,
  Result,
  Scope
} from "effect"
import { TestClock } from "effect/testing"
import { configured } from "../../apps/scheduler/JobConfig.ts"
import { JobRunner } from "../../apps/scheduler/JobRunner.ts"

describe("job runner", () => {
  it.effect("runs a job every interval, records failures and keeps going", () =>
    Effect.gen(function* () {
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
    }).pipe(Effect.provide(JobRunner.layer()))
  )

  it.effect("a run that dies (a defect) is recorded as a failure and the job keeps its schedule", () =>
    Effect.gen(function* () {
      const runner = yield* JobRunner
      const calls = yield* Ref.make(0)
      yield* runner.start({
        name: "crashing",
        every: Duration.seconds(10),
        timeout: Duration.seconds(1),
        run: Ref.updateAndGet(calls, (n) => n + 1).pipe(
          Effect.flatMap((n) => (n === 1 ? Effect.die(new Error("keyring broken")) : Effect.void))
        )
      })
      yield* TestClock.adjust("0 seconds")
      const [afterDefect] = yield* runner.states
      assert.strictEqual(afterDefect?.consecutiveFailures, 1)
      assert.deepStrictEqual(afterDefect?.lastError, Option.some("defect: keyring broken"))
      yield* TestClock.adjust("10 seconds")
      const [next] = yield* runner.states
      assert.strictEqual(yield* Ref.get(calls), 2, "the schedule survived the defect")
      assert.strictEqual(next?.consecutiveFailures, 0)
    }).pipe(Effect.provide(JobRunner.layer()))
  )

  it.effect("a run that exceeds its timeout is recorded as a failure", () =>
    Effect.gen(function* () {
      const runner = yield* JobRunner
      yield* runner.start({ name: "slow", every: Duration.minutes(1), timeout: Duration.seconds(1), run: Effect.never })
      yield* TestClock.adjust("1 second")
      const [state] = yield* runner.states
      assert.deepStrictEqual(state?.lastError, Option.some("timed out after 1s"))
    }).pipe(Effect.provide(JobRunner.layer()))
  )

  it.effect("shutdown waits for the run in progress to finish", () =>
    Effect.gen(function* () {
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
    })
  )

  it.effect("a cron job waits for its first occurrence, then fires on the schedule", () =>
    Effect.gen(function* () {
      const runner = yield* JobRunner
      const calls = yield* Ref.make(0)
      const cron = Result.getOrThrow(Cron.parse("*/5 * * * *", "UTC"))
      yield* runner.start({
        name: "cron",
        every: Duration.minutes(5),
        cron,
        timeout: Duration.seconds(1),
        run: Ref.update(calls, (n) => n + 1)
      })
      yield* TestClock.adjust("4 minutes")
      assert.strictEqual(yield* Ref.get(calls), 0, "not at startup")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Ref.get(calls), 1, "at 00:05")
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual(yield* Ref.get(calls), 2, "at 00:10")
    }).pipe(Effect.provide(JobRunner.layer()))
  )

  it.effect("a failed attempt is retried within the run as the job's policy allows", () =>
    Effect.gen(function* () {
      const runner = yield* JobRunner
      const attempts = yield* Ref.make(0)
      yield* runner.start({
        name: "retrying",
        every: Duration.minutes(1),
        timeout: Duration.seconds(1),
        retries: 2,
        run: Ref.updateAndGet(attempts, (n) => n + 1).pipe(
          Effect.flatMap((n) => (n < 3 ? Effect.fail(`attempt ${n}`) : Effect.void))
        )
      })
      yield* TestClock.adjust("3 seconds")
      const [state] = yield* runner.states
      assert.strictEqual(yield* Ref.get(attempts), 3)
      assert.strictEqual(state?.consecutiveFailures, 0)
      assert.strictEqual(state?.runs, 1)
    }).pipe(Effect.provide(JobRunner.layer()))
  )

  it.effect(
    "JOB_<NAME>_CRON / _RETRIES / _TIMEOUT configure a job; a bad value stops startup naming the variable",
    () =>
      Effect.gen(function* () {
        const job = {
          name: "poll-channel-orders",
          every: Duration.minutes(1),
          timeout: Duration.seconds(30),
          run: Effect.void
        }
        const withEnv = (env: Record<string, string>) =>
          configured(job).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))
        const cron = yield* withEnv({
          JOB_POLL_CHANNEL_ORDERS_CRON: "0 3 * * *",
          JOB_POLL_CHANNEL_ORDERS_RETRIES: "2",
          JOB_POLL_CHANNEL_ORDERS_TIMEOUT: "2 minutes"
        })
        assert.isDefined(cron.cron)
        assert.strictEqual(Duration.toHours(cron.every), 24)
        assert.strictEqual(cron.retries, 2)
        assert.strictEqual(Duration.toMinutes(cron.timeout), 2)
        const plain = yield* withEnv({})
        assert.isUndefined(plain.cron)
        assert.strictEqual(plain.retries, 0)
        const bad = yield* withEnv({ JOB_POLL_CHANNEL_ORDERS_CRON: "every day" }).pipe(Effect.flip)
        assert.match(bad.message, /JOB_POLL_CHANNEL_ORDERS_CRON/)
        const tooMany = yield* withEnv({ JOB_POLL_CHANNEL_ORDERS_RETRIES: "99" }).pipe(Effect.flip)
        assert.match(tooMany.message, /JOB_POLL_CHANNEL_ORDERS_RETRIES/)
      })
  )
})
