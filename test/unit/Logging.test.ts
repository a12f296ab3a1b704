/**
 * The error reporter's lines on stderr: a defect always reaches it as an ERROR; a typed failure keeps its severity
 * and is dropped below LOG_LEVEL (a fast-failing outage must not write a line per request).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, ErrorReporter, Layer, Schema } from "effect"
import { afterEach, vi } from "vitest"
import * as Logging from "../../adapters/telemetry/Logging.ts"

class Refused extends Schema.TaggedError<Refused>()("Refused", { reason: Schema.String }) {}

const reportedWith = (logLevel: string, cause: Cause.Cause<unknown>) =>
  Effect.gen(function* () {
    const lines: Array<Record<string, unknown>> = []
    const spy = vi
      .spyOn(console, "error")
      .mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line)) as Record<string, unknown>))
    try {
      yield* ErrorReporter.report(cause)
      return lines
    } finally {
      spy.mockRestore()
    }
  }).pipe(
    Effect.provide(
      Logging.layerConfig.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ LOG_LEVEL: logLevel }))))
    )
  )

describe("error reporter", () => {
  afterEach(() => vi.restoreAllMocks())

  it.effect("a typed failure is reported at its severity, and not at all below LOG_LEVEL", () =>
    Effect.gen(function* () {
      const info = yield* reportedWith("Info", Cause.fail(new Refused({ reason: "no" })))
      assert.deepStrictEqual(
        info.map((l) => [l["message"], l["level"]]),
        [["reported failure", "INFO"]]
      )
      assert.lengthOf(yield* reportedWith("Warn", Cause.fail(new Refused({ reason: "no" }))), 0)
    })
  )

  it.effect("a defect is an ERROR whatever LOG_LEVEL says short of None", () =>
    Effect.gen(function* () {
      const lines = yield* reportedWith("Error", Cause.die(new Error("boom")))
      assert.deepStrictEqual(
        lines.map((l) => l["level"]),
        ["ERROR"]
      )
      assert.strictEqual((lines[0]!["annotations"] as Record<string, unknown>)["detail"], "boom")
    })
  )
})
