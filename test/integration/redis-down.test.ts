/**
 * Redis configured but not answering: the app must not hang. Commands fail fast with a typed CacheError and the
 * readiness probe reports redis down (degraded, not unready).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import { Readiness } from "../../core/ops/Readiness.ts"
import { freePort } from "../support/RedisServer.ts"

describe("Redis down", () => {
  it.live("commands fail fast with CacheError and readiness says redis is down", () =>
    Effect.gen(function*() {
      const connection = yield* RedisConnection.RedisConnection
      const started = performance.now()
      const error = yield* Effect.flip(connection.use("get", (c) => c.get("anything")))
      const elapsed = performance.now() - started
      assert.strictEqual(error._tag, "CacheError")
      assert.strictEqual(error.operation, "get")
      assert.isBelow(elapsed, 2_000, "a dead Redis must not make callers wait")
      const report = yield* (yield* Readiness).report
      assert.strictEqual(report.checks["redis"], "down")
      assert.strictEqual(report.status, "degraded")
    }).pipe(
      Effect.provide(Layer.unwrap(Effect.promise(() => freePort()).pipe(Effect.map((port) =>
        RedisConnection.probe.pipe(
          Layer.provideMerge(RedisConnection.layer({ url: Redacted.make(`redis://127.0.0.1:${port}`), commandTimeout: Duration.millis(300) })),
          Layer.provideMerge(Readiness.layer())
        )
      ))))
    ), 20_000)
})
