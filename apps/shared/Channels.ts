/**
 * Sales channels in the apps: the Shopify client when SHOPIFY_CLIENT_ID is set (settings validated at startup,
 * every problem named at once), the SSRF guard for user-supplied store URLs (its dev allow-list refused in
 * production), and the URLs providers call back and
 * deliver webhooks to.
 */
import { Config, Effect, Layer, Option } from "effect"
import * as AmazonAds from "../../adapters/providers/amazon/AmazonAdsClient.ts"
import { AmazonAdsClient } from "../../adapters/providers/amazon/AmazonAdsClient.ts"
import { EgressGuard } from "../../adapters/providers/shared/Egress.ts"
import { ShopifyClient } from "../../adapters/providers/shopify/ShopifyClient.ts"
import * as ShopifyConfig from "../../adapters/providers/shopify/ShopifyConfig.ts"
import { ConnectUrls } from "../../core/connections/Connect.ts"
import { AppEnv, callbackUrl, PublicBaseUrl, StartupError } from "./Environment.ts"

const AmazonAdsLive = Layer.unwrap(
  Effect.gen(function* () {
    const { problems, settings } = yield* AmazonAds.load(yield* AppEnv)
    if (problems.length > 0) return yield* new StartupError({ problems })
    if (Option.isNone(settings)) return AmazonAdsClient.disabled
    yield* Effect.logInfo("Amazon Ads enabled")
    return AmazonAdsClient.layer(settings.value)
  })
)

const ShopifyLive = Layer.unwrap(
  Effect.gen(function* () {
    const { problems, settings } = yield* ShopifyConfig.load(yield* AppEnv)
    if (problems.length > 0) return yield* new StartupError({ problems })
    if (Option.isNone(settings)) return ShopifyClient.disabled
    yield* Effect.logInfo("Shopify enabled").pipe(
      Effect.annotateLogs({ apiVersion: settings.value.apiVersion, scopes: settings.value.scopes.join(",") })
    )
    return ShopifyClient.layer(settings.value)
  })
)

export const EgressLive = Layer.unwrap(
  Effect.gen(function* () {
    const raw = yield* Config.String("OUTBOUND_ALLOWED_ORIGINS").pipe(Config.withDefault(""))
    const origins = raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
    const problems: Array<string> = []
    if (origins.length > 0 && (yield* AppEnv) === "production")
      problems.push("OUTBOUND_ALLOWED_ORIGINS is for development fakes only; unset it in production")
    for (const origin of origins) {
      try {
        if (new URL(origin).origin !== origin.replace(/\/+$/, ""))
          problems.push(`OUTBOUND_ALLOWED_ORIGINS entry ${origin} must be an origin (scheme://host:port)`)
      } catch {
        problems.push(`OUTBOUND_ALLOWED_ORIGINS entry ${origin} is not a URL`)
      }
    }
    if (problems.length > 0) return yield* new StartupError({ problems })
    return EgressGuard.layer({ allowedOrigins: origins })
  })
)

/**
 * The callback URLs providers are configured with derive from PUBLIC_BASE_URL: validated once at startup (an
 * http(s) origin with an optional path, no query or fragment; https in production, checked by the production
 * gate) and logged, so an operator can register exactly these in each provider's app settings.
 */
const ConnectUrlsLive = Layer.effect(
  ConnectUrls,
  Effect.gen(function* () {
    const base = yield* PublicBaseUrl
    let url: URL | undefined
    try {
      url = new URL(base)
    } catch {
      url = undefined
    }
    if (
      url === undefined ||
      (url.protocol !== "https:" && url.protocol !== "http:") ||
      url.search !== "" ||
      url.hash !== "" ||
      url.username !== ""
    ) {
      return yield* new StartupError({
        problems: ["PUBLIC_BASE_URL must be an absolute http(s) URL without query, fragment or credentials"]
      })
    }
    yield* Effect.logInfo("provider callback URLs").pipe(
      Effect.annotateLogs({
        callbacks: `${base}/api/v1/auth/{provider}/callback`,
        webhooks: `${base}/webhooks/{provider}/{connectionId}`
      })
    )
    return ConnectUrls.of({
      base,
      callback: (provider) => callbackUrl(base, provider),
      webhook: (provider, connectionId) => `${base}/webhooks/${provider}/${connectionId}`
    })
  })
)

export const ChannelsLive = Layer.mergeAll(ShopifyLive, AmazonAdsLive, ConnectUrlsLive)
