/**
 * Structured logs: one JSON object per line on stdout (LOG_FORMAT=json, the default) with level, message,
 * annotations (request id, trace id) and spans; LOG_FORMAT=pretty for a human at a terminal. Secrets reach
 * loggers only as `Redacted` values, which print as `<redacted>`.
 */
import { Config, Effect, Layer, Logger, LogLevel, References } from "effect"

export const layerConfig = Layer.unwrap(
  Effect.gen(function*() {
    const format = yield* Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("json" as const))
    const level = yield* Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault<LogLevel.LogLevel>("Info"))
    return Layer.mergeAll(
      Logger.layer([format === "json" ? Logger.consoleJson : Logger.consolePretty()]),
      Layer.succeed(References.MinimumLogLevel, level)
    )
  })
)
