/**
 * Strict reading of settings that may be left unset, shared by provider settings and the apps' startup checks.
 *
 * A variable that is unset (or empty) is missing: the caller keeps its default or leaves the feature off. A
 * variable that is set but invalid is a problem naming it (and, for a closed set, the allowed values), never a
 * silent fallback; callers collect the problems so startup fails once, listing them all.
 *
 * Effect 4's `Config.option` and `Config.withDefault` already recover only a missing value (an invalid one fails
 * with a `ConfigError`); what this module adds is one readable line per problem, and never swallowing the error.
 * It does not decide what is required: callers add "required in production" and similar rules themselves.
 */
import { Config, Effect, Option, Result, SchemaIssue } from "effect"

/** Missing → `Success(None)`; set and valid → `Success(Some)`; set and invalid → `Failure(problem)`. */
export type Setting<A> = Result.Result<Option.Option<A>, string>

/** Checks a raw value: the value, or what it must be (`must be one of sandbox, live`). */
export type Check<A> = (raw: string) => Result.Result<A, string>

const formatIssue = SchemaIssue.makeFormatterDefault()

/** One line for a config error, naming the variable: `DATABASE_POOL_MAX is invalid: Expected …`. */
export const describeConfigError = (error: Config.ConfigError): string => {
  const cause = error.cause
  if (cause._tag === "SchemaError" && cause.issue._tag === "Pointer" && cause.issue.path.length > 0) {
    return `${cause.issue.path.map(String).join("_")} is invalid: ${formatIssue(cause.issue.issue)}`
  }
  return `configuration could not be read: ${cause.message}`
}

/** Reads any Config strictly (see `Setting`). Secrets stay `Redacted`: a Config.Redacted value is never echoed. */
export const optionalConfig = <A>(config: Config.Config<A>): Effect.Effect<Setting<A>> =>
  Config.option(config).pipe(Effect.mapError(describeConfigError), Effect.result)

/**
 * Reads a text variable and checks it; an invalid value is named with what it must be and what it was:
 * `FEDEX_ENV must be one of sandbox, live (got "Live")`. Not for secrets (the value is quoted).
 */
export const optionalText = <A>(name: string, check: Check<A>): Effect.Effect<Setting<A>> =>
  optionalConfig(Config.String(name)).pipe(
    Effect.map(
      Result.flatMap((raw): Setting<A> => {
        if (Option.isNone(raw)) return Result.succeed(Option.none())
        const checked = check(raw.value)
        return Result.isSuccess(checked)
          ? Result.succeed(Option.some(checked.success))
          : Result.fail(`${name} ${checked.failure} (got ${JSON.stringify(raw.value)})`)
      })
    )
  )

/** A closed set, spelled exactly as listed. */
export const oneOf =
  <const L extends string>(allowed: ReadonlyArray<L>): Check<L> =>
  (raw) => {
    const found = allowed.find((value) => value === raw)
    return found === undefined ? Result.fail(`must be one of ${allowed.join(", ")}`) : Result.succeed(found)
  }

/** A value that must match `pattern`; `must` says what it must be. */
export const matching =
  (pattern: RegExp, must: string): Check<string> =>
  (raw) =>
    pattern.test(raw) ? Result.succeed(raw) : Result.fail(`must be ${must}`)

/**
 * For loaders that gather problems into one list: an invalid setting's problem is added to `problems` and the
 * value counts as absent (the caller reports nothing more about it: the problem already stops startup).
 */
export const collectInto =
  (problems: Array<string>) =>
  <A>(setting: Setting<A>): Option.Option<A> => {
    if (Result.isSuccess(setting)) return setting.success
    problems.push(setting.failure)
    return Option.none()
  }
