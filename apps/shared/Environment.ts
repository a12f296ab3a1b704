/**
 * Where the apps learn which environment they run in and get their secrets.
 *
 * - development: zero config. Missing secrets come from `.data/dev-secrets.json`, generated once (0600,
 *   git-ignored) and announced in the log; the environment always wins over the file.
 * - test: everything comes from the environment / the test's ConfigProvider.
 * - production: `checkProduction` refuses to start, naming every missing or invalid variable at once.
 */
import { Config, ConfigProvider, Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { parseKeyring } from "../../adapters/crypto/Keyring.ts"
import { collectInto, optionalConfig } from "../../adapters/providers/shared/StrictConfig.ts"

/**
 * Required: a deployment that forgot it must not quietly run as development (generated secrets, an embedded
 * database). `npm start` and the other npm scripts set `development` when it is unset; the image sets `production`.
 */
export const AppEnv = Config.Literals(["development", "test", "production"], "APP_ENV")
export type AppEnv = "development" | "test" | "production"

export const DataDir = Config.String("DATA_DIR").pipe(
  Config.withDefault(fileURLToPath(new URL("../../.data", import.meta.url)))
)

export class StartupError extends Schema.TaggedError<StartupError>()("StartupError", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return `Tradeport cannot start:\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}

const DevSecrets = Schema.Struct({
  JWT_SECRET: Schema.String,
  ENCRYPTION_KEYS: Schema.String,
  EMBEDDED_POSTGRES_PASSWORD: Schema.String
})

const generateDevSecrets = (): typeof DevSecrets.Type => ({
  JWT_SECRET: randomBytes(48).toString("base64url"),
  ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString("base64")}`,
  EMBEDDED_POSTGRES_PASSWORD: randomBytes(24).toString("base64url")
})

/** Reads (or creates once) the development secrets file. */
export const loadDevSecrets = (dataDir: string) =>
  Effect.gen(function* () {
    const file = `${dataDir}/dev-secrets.json`
    const existing = yield* Effect.tryPromise(() => readFile(file, "utf8")).pipe(
      Effect.flatMap((text) => Schema.decodeUnknownEffect(Schema.fromJsonString(DevSecrets))(text)),
      Effect.option
    )
    if (Option.isSome(existing)) return existing.value
    const secrets = generateDevSecrets()
    yield* Effect.promise(async () => {
      await mkdir(dataDir, { recursive: true, mode: 0o755 })
      await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 })
      await chmod(file, 0o600)
    })
    yield* Effect.logWarning("created local development secrets (development only, never used in production)").pipe(
      Effect.annotateLogs({ file })
    )
    return secrets
  })

/**
 * In development, secrets missing from the environment fall back to the dev secrets file. In other environments
 * this layer adds nothing.
 */
export const layerDevSecrets = Layer.unwrap(
  Effect.gen(function* () {
    if ((yield* AppEnv) !== "development") return Layer.empty
    const secrets = yield* loadDevSecrets(yield* DataDir)
    return ConfigProvider.layerAdd(ConfigProvider.fromUnknown(secrets))
  })
)

/**
 * The public base URL (where browsers and providers reach us); OAuth redirect URIs and webhook callback URLs are
 * derived from it, so they are exact per environment. Defaults to http://localhost:PORT outside production.
 */
export const PublicBaseUrl = Effect.gen(function* () {
  const port = yield* Config.Port("PORT").pipe(Config.withDefault(3000))
  const base = yield* Config.String("PUBLIC_BASE_URL").pipe(Config.withDefault(`http://localhost:${port}`))
  return base.replace(/\/+$/, "")
})

export const callbackUrl = (base: string, provider: string) => `${base}/api/v1/auth/${provider}/callback`

/** Values that must never protect production: placeholders and the examples from our own docs. */
const KNOWN_DEFAULTS = new Set([
  "secret",
  "changeme",
  "change-me",
  "password",
  "dev",
  "development",
  "test",
  "jwt-secret",
  "supersecret",
  "your-secret-here",
  "default"
])

const MIN_JWT_SECRET_LENGTH = 32
const MIN_JWT_SECRET_DISTINCT = 8
const MIN_JWT_SECRET_BITS = 128

/** The length of the shortest unit the secret repeats ("abcabcab" → 3), by the KMP prefix function. */
const repeatingUnit = (characters: ReadonlyArray<string>) => {
  const prefix = new Array<number>(characters.length).fill(0)
  for (let i = 1; i < characters.length; i++) {
    let k = prefix[i - 1] ?? 0
    while (k > 0 && characters[i] !== characters[k]) k = prefix[k - 1] ?? 0
    prefix[i] = characters[i] === characters[k] ? k + 1 : k
  }
  // A period that does not fit twice is no repetition: a random secret whose last character happens to equal its
  // first has a "period" of n - 1, and is as strong as its length.
  const period = characters.length - (prefix[characters.length - 1] ?? 0)
  return period * 2 <= characters.length ? period : characters.length
}

/**
 * A generous upper bound on a secret's entropy in bits: the length of its shortest repeating unit times log2 of the
 * number of different characters in it. It cannot prove a secret random, but it refuses what is plainly not (one
 * letter, a short pattern repeated), while random secrets of 32 base64 characters or 40 hex digits pass.
 */
const secretStrength = (secret: string) => {
  const characters = Array.from(secret)
  const distinct = new Set(characters).size
  // Bits per character from the alphabet the secret is written in (a random hex secret rarely shows all 16 digits
  // in 32 characters), never more than its distinct characters could carry beyond that alphabet.
  const alphabet = /^[0-9a-f]+$/i.test(secret) ? 16 : /^[A-Za-z0-9+/=_-]+$/.test(secret) ? 64 : Math.max(distinct, 1)
  return { distinct, bits: Math.floor(repeatingUnit(characters) * Math.log2(alphabet)) }
}

/**
 * The production gate: collects every problem before failing, so an operator fixes them all in one go.
 */
export const checkProduction = Effect.gen(function* () {
  if ((yield* AppEnv) !== "production") return
  const problems: Array<string> = []
  const collect = collectInto(problems)
  const optionalSecret = (name: string) => optionalConfig(Config.Redacted(name)).pipe(Effect.map(collect))
  const required = (name: string, value: Option.Option<Redacted.Redacted>) => {
    if (Option.isNone(value) || Redacted.value(value.value).trim() === "") {
      problems.push(`${name} is required in production`)
      return undefined
    }
    return Redacted.value(value.value)
  }
  const databaseUrl = required("DATABASE_URL", yield* optionalSecret("DATABASE_URL"))
  required("REDIS_URL", yield* optionalSecret("REDIS_URL"))
  const jwt = required("JWT_SECRET", yield* optionalSecret("JWT_SECRET"))
  const keyring = required("ENCRYPTION_KEYS", yield* optionalSecret("ENCRYPTION_KEYS"))
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    problems.push("DATABASE_URL must be a postgres:// URL")
  const publicBase = yield* optionalConfig(Config.String("PUBLIC_BASE_URL"))
  if (Result.isFailure(publicBase)) {
    problems.push(publicBase.failure)
  } else if (Option.isNone(publicBase.success)) {
    problems.push("PUBLIC_BASE_URL is required in production (OAuth redirect and callback URLs derive from it)")
  } else if (!/^https:\/\/[^/\s]+(\/[^\s]*)?$/.test(publicBase.success.value)) {
    problems.push("PUBLIC_BASE_URL must be an https:// URL")
  }
  if (jwt !== undefined) {
    if (KNOWN_DEFAULTS.has(jwt.toLowerCase())) problems.push("JWT_SECRET is a known default value")
    else if (jwt.length < MIN_JWT_SECRET_LENGTH)
      problems.push(`JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters`)
    else {
      const { distinct, bits } = secretStrength(jwt)
      if (distinct < MIN_JWT_SECRET_DISTINCT || bits < MIN_JWT_SECRET_BITS)
        problems.push(
          `JWT_SECRET is too predictable (${distinct} different characters, at most about ${bits} bits; ${MIN_JWT_SECRET_DISTINCT} and ${MIN_JWT_SECRET_BITS} needed): use random bytes, e.g. \`openssl rand -base64 48\``
        )
    }
  }
  if (keyring !== undefined) {
    const parsed = parseKeyring(keyring)
    problems.push(...parsed.problems)
    const active = collect(yield* optionalConfig(Config.String("ENCRYPTION_ACTIVE_KEY")))
    if (Option.isSome(active) && parsed.problems.length === 0 && !parsed.keys.some((k) => k.id === active.value)) {
      problems.push(`ENCRYPTION_ACTIVE_KEY "${active.value}" is not in ENCRYPTION_KEYS`)
    }
    if (
      jwt !== undefined &&
      (keyring.trim() === jwt.trim() || parsed.keys.some((k) => k.key.toString("base64") === jwt.trim()))
    ) {
      problems.push("JWT_SECRET and an ENCRYPTION_KEYS key are equal: use independent secrets")
    }
  }
  if (problems.length > 0) return yield* new StartupError({ problems })
})
