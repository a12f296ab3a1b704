/**
 * Configuration is strict: a variable that is set to an invalid value stops startup with a problem naming it (and,
 * for a closed set, the allowed values), whether or not the feature it configures is enabled; an unset variable
 * stays optional and keeps its default. Each loader is run against a `ConfigProvider.fromUnknown` environment.
 */
import { assert, describe, it } from "@effect/vitest"
import { Config, ConfigProvider, Duration, Effect, Option, Redacted, Result } from "effect"
import { randomBytes } from "node:crypto"
import * as Database from "../../adapters/postgres/Database.ts"
import * as AmazonAds from "../../adapters/providers/amazon/AmazonAdsClient.ts"
import { HOSTS as AMAZON_HOSTS } from "../../adapters/providers/amazon/AmazonAdsContract.ts"
import * as Dhl from "../../adapters/providers/dhl/DhlContract.ts"
import * as FedEx from "../../adapters/providers/fedex/FedExContract.ts"
import * as G2AConfig from "../../adapters/providers/g2a/G2AConfig.ts"
import { loadBaseUrl } from "../../adapters/providers/shared/Carriers.ts"
import { PolicyConfig } from "../../adapters/providers/shared/ProviderClient.ts"
import { collectInto, oneOf, optionalConfig, optionalText } from "../../adapters/providers/shared/StrictConfig.ts"
import * as ShopifyConfig from "../../adapters/providers/shopify/ShopifyConfig.ts"
import { configured } from "../../apps/scheduler/JobConfig.ts"
import { heartbeatJob } from "../../apps/scheduler/HeartbeatJob.ts"
import { RefreshConfig } from "../../apps/scheduler/RefreshJob.ts"
import { AppEnv, checkProduction } from "../../apps/shared/Environment.ts"
import { HeartbeatInterval } from "../../apps/shared/SchedulerProbe.ts"

type Env = Record<string, string>
type AppEnvName = "development" | "test" | "production"

const withEnv = (env: Env) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))

/** Asserts that exactly one problem names `variable` and that it matches every pattern given. */
const assertNames = (problems: ReadonlyArray<string>, variable: string, ...patterns: ReadonlyArray<RegExp>) => {
  const naming = problems.filter((p) => p.includes(variable))
  assert.strictEqual(naming.length, 1, `one problem naming ${variable} in ${JSON.stringify(problems)}`)
  for (const pattern of patterns) assert.match(naming[0]!, pattern)
}

describe("the helper: missing is optional, invalid is a problem naming the variable", () => {
  it.effect("optionalConfig: unset or empty → None; valid → Some; invalid → the variable and what is wrong", () =>
    Effect.gen(function* () {
      const pool = optionalConfig(Config.Int("DATABASE_POOL_MAX"))
      assert.deepStrictEqual(yield* pool.pipe(withEnv({})), Result.succeed(Option.none()))
      assert.deepStrictEqual(yield* pool.pipe(withEnv({ DATABASE_POOL_MAX: "" })), Result.succeed(Option.none()))
      assert.deepStrictEqual(yield* pool.pipe(withEnv({ DATABASE_POOL_MAX: "12" })), Result.succeed(Option.some(12)))
      const invalid = yield* pool.pipe(withEnv({ DATABASE_POOL_MAX: "twelve" }))
      assert.isTrue(Result.isFailure(invalid))
      if (Result.isFailure(invalid)) assert.match(invalid.failure, /^DATABASE_POOL_MAX is invalid: /)
    })
  )

  it.effect("optionalText + oneOf: exact spelling, the allowed values and the value got", () =>
    Effect.gen(function* () {
      const env = optionalText("FEDEX_ENV", oneOf(["sandbox", "live"]))
      assert.deepStrictEqual(yield* env.pipe(withEnv({ FEDEX_ENV: "live" })), Result.succeed(Option.some("live")))
      assert.deepStrictEqual(
        yield* env.pipe(withEnv({ FEDEX_ENV: "Live" })),
        Result.fail('FEDEX_ENV must be one of sandbox, live (got "Live")')
      )
    })
  )

  it.effect("collectInto: an invalid value joins the list and counts as absent; a valid one is kept", () =>
    Effect.gen(function* () {
      const problems: Array<string> = []
      const collect = collectInto(problems)
      const env = collect(yield* optionalText("DHL_ENV", oneOf(["sandbox", "live"])).pipe(withEnv({ DHL_ENV: "prod" })))
      const secret = collect(
        yield* optionalConfig(Config.Redacted("JWT_SECRET")).pipe(withEnv({ JWT_SECRET: "s3cr3t-value" }))
      )
      assert.isTrue(Option.isNone(env))
      assert.strictEqual(Option.map(secret, Redacted.value).pipe(Option.getOrUndefined), "s3cr3t-value")
      assert.deepStrictEqual(problems, ['DHL_ENV must be one of sandbox, live (got "prod")'])
    })
  )
})

describe("carriers: {CARRIER}_ENV and {CARRIER}_API_URL", () => {
  const carriers = (appEnv: AppEnvName, env: Env) =>
    Effect.gen(function* () {
      const fedex = yield* loadBaseUrl("fedex", FedEx.HOSTS, appEnv)
      const dhl = yield* loadBaseUrl("dhl", Dhl.HOSTS, appEnv)
      return { fedex, dhl, problems: [...fedex.problems, ...dhl.problems] }
    }).pipe(withEnv(env))

  it.effect("FEDEX_ENV=Live stops startup naming FEDEX_ENV, the allowed values and the value got", () =>
    Effect.gen(function* () {
      const { problems } = yield* carriers("development", { FEDEX_ENV: "Live" })
      assert.deepStrictEqual(problems, ['FEDEX_ENV must be one of sandbox, live (got "Live")'])
    })
  )

  it.effect('an invalid DHL_ENV in production is one problem, not also "must be set"', () =>
    Effect.gen(function* () {
      const { problems } = yield* carriers("production", { FEDEX_ENV: "live", DHL_ENV: "production" })
      assert.deepStrictEqual(problems, ['DHL_ENV must be one of sandbox, live (got "production")'])
    })
  )

  it.effect("DHL_API_URL=ftp://x stops startup naming DHL_API_URL", () =>
    Effect.gen(function* () {
      const { problems } = yield* carriers("development", { DHL_API_URL: "ftp://x" })
      assertNames(problems, "DHL_API_URL", /https/)
    })
  )

  it.effect("unset: sandbox hosts outside production; in production the carrier stays off, never a sandbox", () =>
    Effect.gen(function* () {
      const dev = yield* carriers("development", {})
      assert.deepStrictEqual(dev.problems, [])
      assert.strictEqual(dev.fedex.base, FedEx.HOSTS.sandbox)
      assert.strictEqual(dev.dhl.base, Dhl.HOSTS.sandbox)
      const live = yield* carriers("production", { FEDEX_ENV: "live", DHL_ENV: "sandbox" })
      assert.deepStrictEqual(live.problems, [])
      assert.strictEqual(live.fedex.base, FedEx.HOSTS.live)
      assert.strictEqual(live.dhl.base, Dhl.HOSTS.sandbox)
      const unset = yield* carriers("production", {})
      assert.deepStrictEqual(unset.problems, [])
      assert.isFalse(unset.fedex.enabled)
      assert.isFalse(unset.dhl.enabled)
      assert.isTrue(live.fedex.enabled)
    })
  )
})

describe("Shopify settings", () => {
  const load = (env: Env, appEnv: AppEnvName = "development") => ShopifyConfig.load(appEnv).pipe(withEnv(env))
  const app = { SHOPIFY_CLIENT_ID: "id", SHOPIFY_CLIENT_SECRET: "secret" }

  it.effect("a bad SHOPIFY_API_VERSION stops startup naming it, with Shopify on or off", () =>
    Effect.gen(function* () {
      assertNames((yield* load({ ...app, SHOPIFY_API_VERSION: "2026-13" })).problems, "SHOPIFY_API_VERSION", /2026-13/)
      assertNames((yield* load({ SHOPIFY_API_VERSION: "latest" })).problems, "SHOPIFY_API_VERSION", /latest/)
    })
  )

  it.effect("a bad SHOPIFY_SCOPES stops startup naming it, with Shopify on or off", () =>
    Effect.gen(function* () {
      assertNames((yield* load({ ...app, SHOPIFY_SCOPES: "orders" })).problems, "SHOPIFY_SCOPES")
      assertNames((yield* load({ SHOPIFY_SCOPES: "read_orders,everything" })).problems, "SHOPIFY_SCOPES")
    })
  )

  it.effect("a bad SHOPIFY_SHOP_URL stops startup naming it, with Shopify on or off", () =>
    Effect.gen(function* () {
      assertNames((yield* load({ SHOPIFY_SHOP_URL: "http://shops.example.com/{shop}" })).problems, "SHOPIFY_SHOP_URL")
    })
  )

  it.effect("unset: Shopify off without problems; on, the documented defaults", () =>
    Effect.gen(function* () {
      const off = yield* load({}, "production")
      assert.deepStrictEqual(off.problems, [])
      assert.isTrue(Option.isNone(off.settings))
      const on = yield* load(app)
      assert.deepStrictEqual(on.problems, [])
      assert.isTrue(Option.isSome(on.settings))
      if (Option.isNone(on.settings)) return
      assert.strictEqual(on.settings.value.apiVersion, ShopifyConfig.DEFAULT_API_VERSION)
      assert.deepStrictEqual(on.settings.value.scopes, ShopifyConfig.DEFAULT_SCOPES.split(","))
      assert.strictEqual(on.settings.value.shopUrlTemplate, ShopifyConfig.DEFAULT_SHOP_URL)
      assert.isTrue(Option.isNone(on.settings.value.previousSecret))
    })
  )
})

describe("G2A settings", () => {
  const load = (env: Env, appEnv: AppEnvName = "development") => G2AConfig.load(appEnv).pipe(withEnv(env))
  const account = { G2A_API_KEY: "k", G2A_API_HASH: "h" }

  it.effect("a bad G2A_ENV stops startup naming it and the allowed values, with G2A on or off", () =>
    Effect.gen(function* () {
      assertNames((yield* load({ ...account, G2A_ENV: "prod" })).problems, "G2A_ENV", /sandbox or live/, /"prod"/)
      assertNames((yield* load({ G2A_ENV: "prod" })).problems, "G2A_ENV", /sandbox or live/, /"prod"/)
    })
  )

  it.effect("a bad G2A_TIMEOUT_MS or G2A_API_URL stops startup with G2A off too", () =>
    Effect.gen(function* () {
      const { problems } = yield* load({ G2A_TIMEOUT_MS: "soon", G2A_API_URL: "ftp://g2a.example" })
      assertNames(problems, "G2A_TIMEOUT_MS")
      assertNames(problems, "G2A_API_URL")
    })
  )

  it.effect("unset: G2A off without problems; on, sandbox and the default timeout and retries", () =>
    Effect.gen(function* () {
      const off = yield* load({})
      assert.deepStrictEqual(off.problems, [])
      assert.isTrue(Option.isNone(off.settings))
      const on = yield* load(account)
      assert.deepStrictEqual(on.problems, [])
      if (Option.isNone(on.settings)) return assert.fail("G2A should be on")
      assert.strictEqual(on.settings.value.env, "sandbox")
      assert.strictEqual(Duration.toMillis(on.settings.value.timeout), 8000)
      assert.strictEqual(on.settings.value.retries, 3)
    })
  )
})

describe("Amazon Ads settings", () => {
  const load = (env: Env, appEnv: AppEnvName = "development") => AmazonAds.load(appEnv).pipe(withEnv(env))
  const app = { AMAZON_ADS_CLIENT_ID: "amzn1.application-oa2-client.x", AMAZON_ADS_CLIENT_SECRET: "s" }

  it.effect("a bad AMAZON_ADS_ENDPOINTS stops startup naming it, with Amazon Ads on or off", () =>
    Effect.gen(function* () {
      const onlineFake = yield* load({ ...app, AMAZON_ADS_ENDPOINTS: "https://ads.example.com" })
      assertNames(onlineFake.problems, "AMAZON_ADS_ENDPOINTS")
      assertNames((yield* load({ AMAZON_ADS_ENDPOINTS: "not a url" })).problems, "AMAZON_ADS_ENDPOINTS")
    })
  )

  it.effect("unset: off without problems; on, Amazon's own hosts", () =>
    Effect.gen(function* () {
      const off = yield* load({}, "production")
      assert.deepStrictEqual(off.problems, [])
      assert.isTrue(Option.isNone(off.settings))
      const on = yield* load(app)
      assert.deepStrictEqual(on.problems, [])
      if (Option.isNone(on.settings)) return assert.fail("Amazon Ads should be on")
      assert.deepStrictEqual(on.settings.value.hosts, AMAZON_HOSTS)
    })
  )
})

describe("scheduler jobs: JOB_<NAME>_CRON / _RETRIES / _TIMEOUT", () => {
  const job = heartbeatJob(Duration.seconds(10))
  const problems = (env: Env) =>
    configured(job).pipe(
      Effect.flip,
      Effect.map((e) => e.problems),
      withEnv(env)
    )

  it.effect("a bad JOB_HEARTBEAT_CRON stops startup naming it", () =>
    Effect.gen(function* () {
      assertNames(yield* problems({ JOB_HEARTBEAT_CRON: "every minute" }), "JOB_HEARTBEAT_CRON", /cron/)
    })
  )

  it.effect("every bad job variable is named at once", () =>
    Effect.gen(function* () {
      const found = yield* problems({
        JOB_HEARTBEAT_CRON: "61 * * * *",
        JOB_HEARTBEAT_RETRIES: "some",
        JOB_HEARTBEAT_TIMEOUT: "soon"
      })
      assertNames(found, "JOB_HEARTBEAT_CRON")
      assertNames(found, "JOB_HEARTBEAT_RETRIES", /integer/)
      assertNames(found, "JOB_HEARTBEAT_TIMEOUT", /duration/)
    })
  )

  it.effect("unset: the job's own interval, retries and timeout", () =>
    Effect.gen(function* () {
      const plain = yield* configured(job).pipe(withEnv({}))
      assert.isUndefined(plain.cron)
      assert.strictEqual(plain.retries, 0)
      assert.strictEqual(Duration.toSeconds(plain.every), 10)
      assert.strictEqual(Duration.toSeconds(plain.timeout), Duration.toSeconds(job.timeout))
    })
  )
})

describe("the production gate: ENCRYPTION_ACTIVE_KEY and PUBLIC_BASE_URL", () => {
  const valid = () => ({
    APP_ENV: "production",
    DATABASE_URL: "postgres://app:pw@db:5432/tradeport",
    REDIS_URL: "redis://cache:6379",
    JWT_SECRET: randomBytes(48).toString("base64url"),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    PUBLIC_BASE_URL: "https://tradeport.example.com"
  })
  const problems = (env: Env) =>
    checkProduction.pipe(
      Effect.flip,
      Effect.map((e) => (e._tag === "StartupError" ? e.problems : [e.message])),
      withEnv(env)
    )

  it.effect("a bad ENCRYPTION_ACTIVE_KEY stops startup naming it", () =>
    Effect.gen(function* () {
      assertNames(yield* problems({ ...valid(), ENCRYPTION_ACTIVE_KEY: "k9" }), "ENCRYPTION_ACTIVE_KEY", /"k9"/)
    })
  )

  it.effect("a bad PUBLIC_BASE_URL stops startup naming it", () =>
    Effect.gen(function* () {
      assertNames(yield* problems({ ...valid(), PUBLIC_BASE_URL: "ftp://tradeport.example.com" }), "PUBLIC_BASE_URL")
    })
  )

  it.effect("unset ENCRYPTION_ACTIVE_KEY: the first key encrypts, nothing to complain about", () =>
    checkProduction.pipe(withEnv(valid()))
  )
})

describe("Config.withDefault falls back on a missing value only, never on an invalid one", () => {
  const parse = <A>(config: Config.Config<A>, env: Env) => config.parse(ConfigProvider.fromUnknown(env))

  it.effect("a non-numeric DATABASE_POOL_MAX stops startup naming it; unset, 10", () =>
    Effect.gen(function* () {
      const error = yield* parse(Database.PoolConfig, { DATABASE_POOL_MAX: "ten" }).pipe(Effect.flip)
      assert.match(error.message, /DATABASE_POOL_MAX/)
      assert.strictEqual((yield* parse(Database.PoolConfig, {})).poolMax, 10)
      assert.strictEqual((yield* parse(Database.PoolConfig, { DATABASE_POOL_MAX: "" })).poolMax, 10)
    })
  )

  it.effect("other defaulted settings fail the same way, naming the variable", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [string, Effect.Effect<unknown, Config.ConfigError>]> = [
        ["APP_ENV", parse(AppEnv, { APP_ENV: "Production" })],
        ["PROVIDER_RETRIES", parse(PolicyConfig, { PROVIDER_RETRIES: "three" })],
        ["PROVIDER_TIMEOUT", parse(PolicyConfig, { PROVIDER_TIMEOUT: "8" })],
        ["SCHEDULER_HEARTBEAT_INTERVAL", parse(HeartbeatInterval, { SCHEDULER_HEARTBEAT_INTERVAL: "often" })],
        ["REFRESH_BATCH", parse(RefreshConfig, { REFRESH_BATCH: "1.5" })]
      ]
      for (const [variable, config] of cases) {
        const error = yield* config.pipe(Effect.flip)
        assert.match(error.message, new RegExp(variable))
      }
    })
  )

  it.effect(
    "APP_ENV has no default: unset, startup stops naming it (a forgotten setting must not mean development)",
    () =>
      Effect.gen(function* () {
        const error = yield* parse(AppEnv, {}).pipe(Effect.flip)
        assert.match(error.message, /APP_ENV/)
        assert.strictEqual(yield* parse(AppEnv, { APP_ENV: "development" }), "development")
      })
  )
})
