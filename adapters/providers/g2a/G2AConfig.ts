/**
 * G2A configuration and environment safety (seeds 000 T01/T02, 001 FR-003/FR-010/SC-001/SC-007).
 *
 * - `G2A_ENV` = sandbox | live: sandbox by default outside production; production must choose explicitly.
 * - Base URLs are validated and normalised per API and environment: the live Import API lives under
 *   `/integration-api/v1`, the live Export API and the sandbox under `/v1`. A URL without that path gets it
 *   appended; any other path, a query, a fragment, embedded credentials or plain http (loopback in development
 *   excepted, for fakes) is refused with a message naming the variable.
 * - Sandbox and live are never mixed: a sandbox host under `G2A_ENV=live`, or the live host under sandbox, is refused.
 * - Credentials: `G2A_API_KEY` and `G2A_API_HASH` (legacy name `G2A_API_SECRET`), both Redacted.
 *
 * G2A is enabled when `G2A_API_KEY` is set; every problem is reported at once, before the process serves. A
 * variable that is set is validated even while G2A is off.
 */
import { Config, Duration, Effect, Option, Redacted, Result } from "effect"
import { type Check, collectInto, optionalConfig, optionalText } from "../shared/StrictConfig.ts"

export type G2AEnv = "sandbox" | "live"
export type G2AApi = "import" | "export"

export const LIVE_HOST = "api.g2a.com"
export const SANDBOX_HOST = "sandboxapi.g2a.com"

export const defaultBaseUrl = (api: G2AApi, env: G2AEnv) =>
  env === "sandbox"
    ? `https://${SANDBOX_HOST}/v1`
    : api === "import"
      ? `https://${LIVE_HOST}/integration-api/v1`
      : `https://${LIVE_HOST}/v1`

/** The path an API must be served under in an environment. */
export const expectedPath = (api: G2AApi, env: G2AEnv) =>
  env === "live" && api === "import" ? "/integration-api/v1" : "/v1"

const isLoopback = (hostname: string) => hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]"

const isSandboxHost = (hostname: string) => hostname.split(".").some((label) => label.includes("sandbox"))

export interface UrlRules {
  readonly api: G2AApi
  readonly env: G2AEnv
  /** http://localhost… is accepted (development and tests talk to fakes on loopback). */
  readonly allowLoopbackHttp: boolean
}

/**
 * Validates and normalises one base URL. Returns the URL without a trailing slash, or the reason it is refused.
 */
export const normalizeBaseUrl = (name: string, raw: string, rules: UrlRules): Result.Result<string, string> => {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return Result.fail(`${name} is not a valid URL`)
  }
  // `api.g2a.com.` is the same host as `api.g2a.com`: compare without the trailing dot.
  const hostname = url.hostname.replace(/\.$/, "")
  const loopback = isLoopback(hostname)
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback && rules.allowLoopbackHttp)) {
    return Result.fail(`${name} must use https (TLS is required for G2A)`)
  }
  if (url.username !== "" || url.password !== "") return Result.fail(`${name} must not embed credentials`)
  if (url.search !== "" || url.hash !== "") return Result.fail(`${name} must not carry a query string or fragment`)
  if (!loopback) {
    if (rules.env === "live" && isSandboxHost(hostname)) {
      return Result.fail(`${name} points at a sandbox host (${hostname}) but G2A_ENV is live`)
    }
    if (rules.env === "sandbox" && hostname === LIVE_HOST) {
      return Result.fail(`${name} points at the live host (${LIVE_HOST}) but G2A_ENV is sandbox`)
    }
  }
  const expected = expectedPath(rules.api, rules.env)
  const path = url.pathname.replace(/\/+$/, "")
  const origin = `${url.protocol}//${url.port === "" ? hostname : `${hostname}:${url.port}`}`
  if (path === expected) return Result.succeed(origin + expected)
  // Missing, or a leading part of it (`/integration-api`): the rest is appended.
  if (path === "" || expected.startsWith(`${path}/`)) return Result.succeed(origin + expected)
  const hint =
    rules.env === "live" && rules.api === "import" && path === "/v1"
      ? " (/v1 is the Export API; the live Import API is served under /integration-api/v1)"
      : ""
  return Result.fail(
    `${name} has path ${path}; the G2A ${rules.api} API (${rules.env}) is served under ${expected}${hint}`
  )
}

export interface G2ASettings {
  readonly env: G2AEnv
  readonly importUrl: string
  readonly exportUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly apiHash: Redacted.Redacted<string>
  readonly timeout: Duration.Duration
  readonly retries: number
}

/** `G2A_ENV`: sandbox or live, in any case (`Live` is live). */
const environment: Check<G2AEnv> = (raw) => {
  const value = raw.trim().toLowerCase()
  return value === "sandbox" || value === "live" ? Result.succeed(value) : Result.fail("must be sandbox or live")
}

/**
 * Reads the G2A settings. `Option.none()` when G2A is not configured (no `G2A_API_KEY`); a list of problems
 * when it is configured wrongly. Every variable that is set is validated, whether or not G2A is enabled.
 */
export const load = (appEnv: "development" | "test" | "production") =>
  Effect.gen(function* () {
    const problems: Array<string> = []
    const collect = collectInto(problems)
    const text = (name: string) => optionalConfig(Config.String(name)).pipe(Effect.map(collect))
    const apiKey = collect(yield* optionalConfig(Config.Redacted("G2A_API_KEY")))
    const apiHash = collect(yield* optionalConfig(Config.Redacted("G2A_API_HASH")))
    const hash = Option.isSome(apiHash) ? apiHash : collect(yield* optionalConfig(Config.Redacted("G2A_API_SECRET")))
    if (Option.isSome(apiKey)) {
      if (Redacted.value(apiKey.value).trim() === "") problems.push("G2A_API_KEY is empty")
      if (Option.isNone(hash) || Redacted.value(hash.value).trim() === "") {
        problems.push("G2A_API_HASH (or legacy G2A_API_SECRET) is required with G2A_API_KEY")
      }
    }

    // Set but invalid is its own problem, never "not set".
    const envSetting = yield* optionalText("G2A_ENV", environment)
    const envSet = Result.isFailure(envSetting) || Option.isSome(envSetting.success)
    const env = Option.getOrElse(collect(envSetting), (): G2AEnv => "sandbox")
    if (appEnv === "production" && Option.isSome(apiKey) && !envSet) {
      problems.push("G2A_ENV must be set explicitly in production (sandbox or live)")
    }
    if (appEnv === "production" && Option.isNone(apiKey) && envSet) {
      problems.push("G2A_ENV is set but G2A_API_KEY is missing")
    }

    const allowLoopbackHttp = appEnv !== "production"
    const url = (name: string, api: G2AApi, raw: Option.Option<string>) => {
      const result = normalizeBaseUrl(
        name,
        Option.getOrElse(raw, () => defaultBaseUrl(api, env)),
        { api, env, allowLoopbackHttp }
      )
      if (Result.isFailure(result)) {
        problems.push(result.failure)
        return ""
      }
      return result.success
    }
    const importUrl = url("G2A_API_URL", "import", yield* text("G2A_API_URL"))
    const exportUrl = url("G2A_EXPORT_API_URL", "export", yield* text("G2A_EXPORT_API_URL"))

    const integer = (name: string, raw: Option.Option<string>, fallback: number, min: number, max: number) => {
      if (Option.isNone(raw)) return fallback
      const value = Number(raw.value.trim())
      if (Number.isInteger(value) && value >= min && value <= max) return value
      problems.push(`${name} must be an integer between ${min} and ${max}`)
      return fallback
    }
    // The seed asks for 5–10 s per attempt; anything from 1 to 30 s is accepted.
    const timeout = integer("G2A_TIMEOUT_MS", yield* text("G2A_TIMEOUT_MS"), 8000, 1000, 30000)
    const retryMax = integer("G2A_RETRY_MAX", yield* text("G2A_RETRY_MAX"), 3, 0, 10)

    if (problems.length > 0 || Option.isNone(apiKey) || Option.isNone(hash)) {
      return { settings: Option.none<G2ASettings>(), problems }
    }
    const settings: G2ASettings = {
      env,
      importUrl,
      exportUrl,
      apiKey: apiKey.value,
      apiHash: hash.value,
      timeout: Duration.millis(timeout),
      retries: retryMax
    }
    return { settings: Option.some(settings), problems }
  })
