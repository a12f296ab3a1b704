import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Readiness } from "../../core/ops/Readiness.ts"

const up = Effect.succeed({ status: "up" as const })
const down = Effect.succeed({ status: "down" as const, detail: "boom" })

describe("readiness registry", () => {
  it.effect("critical down → unready; non-critical down → degraded; all up → ready", () =>
    Effect.gen(function* () {
      const readiness = yield* Readiness
      yield* readiness.register({ name: "database", critical: true, check: up })
      yield* readiness.register({ name: "redis", critical: false, check: up })
      assert.strictEqual((yield* readiness.report).status, "ready")
      yield* readiness.register({ name: "redis", critical: false, check: down })
      const degraded = yield* readiness.report
      assert.strictEqual(degraded.status, "degraded")
      assert.deepStrictEqual(degraded.checks, { database: "up", redis: "down" })
      assert.deepStrictEqual(degraded.details, { redis: "boom" })
      yield* readiness.register({ name: "database", critical: true, check: down })
      assert.strictEqual((yield* readiness.report).status, "unready")
    }).pipe(Effect.provide(Readiness.layer()))
  )

  it.effect("a probe that hangs is reported down after the timeout instead of hanging readiness", () =>
    Effect.gen(function* () {
      const readiness = yield* Readiness
      yield* readiness.register({ name: "database", critical: true, check: Effect.never })
      const fiber = yield* Effect.forkChild(readiness.report)
      yield* TestClock.adjust("2 seconds")
      const report = yield* Fiber.join(fiber)
      assert.strictEqual(report.status, "unready")
      assert.deepStrictEqual(report.details, { database: "probe timed out" })
    }).pipe(Effect.provide(Readiness.layer("2 seconds")))
  )
})
