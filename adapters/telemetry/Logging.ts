/**
 * Structured logs: one JSON object per line on stdout (LOG_FORMAT=json, the default) with level, message,
 * annotations (request id, trace id) and spans; LOG_FORMAT=pretty for a human at a terminal. Secrets reach
 * loggers only as `Redacted` values, which print as `<redacted>`.
 */
import { Config, Effect, ErrorReporter, Layer, Logger, type LogLevel, References } from "effect"

/**
 * Failures Effect reports without a logger in reach (a response that failed to encode, a defect in a forked
 * fiber) still reach the log, as one JSON line on stderr: name and a bounded message, nothing else.
 */
const reporter = ErrorReporter.make(({ error, severity }) => {
  console.error(JSON.stringify({
    message: "reported failure",
    level: severity === "Error" ? "ERROR" : "WARN",
    timestamp: new Date().toISOString(),
    annotations: { error: error.name, detail: error.message.slice(0, 300) }
  }))
})

export const layerConfig = Layer.unwrap(
  Effect.gen(function*() {
    const format = yield* Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("json" as const))
    const level = yield* Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault<LogLevel.LogLevel>("Info"))
    return Layer.mergeAll(
      Logger.layer([format === "json" ? Logger.consoleJson : Logger.consolePretty()]),
      Layer.succeed(References.MinimumLogLevel, level),
      ErrorReporter.layer([reporter])
    )
  })
)
