/**
 * Structured logs: one JSON object per line on stdout (LOG_FORMAT=json, the default) with level, message,
 * annotations (request id, trace id) and spans; LOG_FORMAT=pretty for a human at a terminal. Secrets reach
 * loggers only as `Redacted` values, which print as `<redacted>`.
 */
import { Cause, Config, Effect, ErrorReporter, Layer, Logger, LogLevel, References } from "effect"

/**
 * Failures Effect reports without a logger in reach (a response that failed to encode, a defect in a forked
 * fiber, a typed failure a handler answered with) still reach the log, as one JSON line on stderr: name and a
 * bounded message, nothing else. A defect is an ERROR; a typed failure keeps its own severity (Info unless the
 * error says otherwise — the access log already has its status). Below LOG_LEVEL nothing is written: a carrier
 * outage answered with fast 503s must not write a warning per request.
 */
const reporter = (minimum: LogLevel.LogLevel) =>
  ErrorReporter.make(({ cause, error, severity }) => {
    const level = Cause.hasDies(cause) ? "Error" : severity
    if (LogLevel.isGreaterThan(minimum, level)) return
    console.error(
      JSON.stringify({
        message: "reported failure",
        level: level.toUpperCase(),
        timestamp: new Date().toISOString(),
        annotations: { error: error.name, detail: error.message.slice(0, 300) }
      })
    )
  })

export const layerConfig = Layer.unwrap(
  Effect.gen(function* () {
    const format = yield* Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("json" as const))
    const level = yield* Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault<LogLevel.LogLevel>("Info"))
    return Layer.mergeAll(
      Logger.layer([format === "json" ? Logger.consoleJson : Logger.consolePretty()]),
      Layer.succeed(References.MinimumLogLevel, level),
      ErrorReporter.layer([reporter(level)])
    )
  })
)
