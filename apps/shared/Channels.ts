/**
 * Sales channels in the apps: the Shopify client when SHOPIFY_CLIENT_ID is set (settings validated at startup,
 * every problem named at once), the SSRF guard for user-supplied store URLs (its dev allow-list refused in
 * production), WooCommerce's app name, and `orderFeed`, which gives the order feed of any channel connection
 * (for the sync endpoint and the polling job).
 */
import { Config, Effect, Layer, Option, Stream } from "effect"
import * as AmazonAds from "../../adapters/providers/amazon/AmazonAdsClient.ts"
import { AmazonAdsClient } from "../../adapters/providers/amazon/AmazonAdsClient.ts"
import { EgressGuard } from "../../adapters/providers/shared/Egress.ts"
import { ProviderError } from "../../adapters/providers/shared/ProviderError.ts"
import { ShopifyClient } from "../../adapters/providers/shopify/ShopifyClient.ts"
import * as ShopifyConfig from "../../adapters/providers/shopify/ShopifyConfig.ts"
import * as WooClient from "../../adapters/providers/woocommerce/WooClient.ts"
import type { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import type { OrderFeed } from "../../core/channels/ChannelSync.ts"
import type { Connection, ConnectionNotFound } from "../../core/connections/Connection.ts"
import type { TokenUnavailable } from "../../core/connections/ConnectionTokens.ts"
import type { ConnectionRepository } from "../../core/connections/ports/ConnectionRepository.ts"
import type { CredentialVault, DecryptionFailed } from "../../core/connections/ports/CredentialVault.ts"
import type { LockTimeout } from "../../core/connections/ports/DistributedLock.ts"
import type { TokenStillRejected } from "../../core/connections/TokenManager.ts"
import type { Notifier } from "../../core/notifications/ports/Notifier.ts"
import type { PersistenceError } from "../../core/shared/errors.ts"
import type { Transactions } from "../../core/shared/ports/Transactions.ts"
import type { ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"
import { readCredentials } from "../../core/connections/Connections.ts"
import { AppEnv, callbackUrl, PublicBaseUrl, StartupError } from "./Environment.ts"

export const WooAppName = Config.String("WOOCOMMERCE_APP_NAME").pipe(Config.withDefault("Tradeport"))

const AmazonAdsLive = Layer.unwrap(
  Effect.gen(function*() {
    const { problems, settings } = yield* AmazonAds.load(yield* AppEnv)
    if (problems.length > 0) return yield* new StartupError({ problems })
    if (Option.isNone(settings)) return AmazonAdsClient.disabled
    yield* Effect.logInfo("Amazon Ads enabled")
    return AmazonAdsClient.layer(settings.value)
  })
)

const ShopifyLive = Layer.unwrap(
  Effect.gen(function*() {
    const { problems, settings } = yield* ShopifyConfig.load(yield* AppEnv)
    if (problems.length > 0) return yield* new StartupError({ problems })
    if (Option.isNone(settings)) return ShopifyClient.disabled
    yield* Effect.logInfo("Shopify enabled").pipe(Effect.annotateLogs({ apiVersion: settings.value.apiVersion, scopes: settings.value.scopes.join(",") }))
    return ShopifyClient.layer(settings.value)
  })
)

export const EgressLive = Layer.unwrap(
  Effect.gen(function*() {
    const raw = yield* Config.String("OUTBOUND_ALLOWED_ORIGINS").pipe(Config.withDefault(""))
    const origins = raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
    const problems: Array<string> = []
    if (origins.length > 0 && (yield* AppEnv) === "production") problems.push("OUTBOUND_ALLOWED_ORIGINS is for development fakes only; unset it in production")
    for (const origin of origins) {
      try {
        if (new URL(origin).origin !== origin.replace(/\/+$/, "")) problems.push(`OUTBOUND_ALLOWED_ORIGINS entry ${origin} must be an origin (scheme://host:port)`)
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
const CallbackUrlsLive = Layer.effectDiscard(
  Effect.gen(function*() {
    const base = yield* PublicBaseUrl
    let url: URL | undefined
    try {
      url = new URL(base)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "" || url.username !== "") {
      return yield* new StartupError({ problems: ["PUBLIC_BASE_URL must be an absolute http(s) URL without query, fragment or credentials"] })
    }
    yield* Effect.logInfo("provider callback URLs").pipe(Effect.annotateLogs({
      shopify: callbackUrl(base, "shopify"),
      woocommerce: callbackUrl(base, "woocommerce"),
      amazon_ads: callbackUrl(base, "amazon_ads"),
      webhooks: `${base}/webhooks/{provider}/{connectionId}`
    }))
  })
)

export const ChannelsLive = Layer.mergeAll(ShopifyLive, AmazonAdsLive, CallbackUrlsLive)

const notConfigured = (provider: string) =>
  new ProviderError({ provider, operation: "orders", reason: "Rejected", detail: "not_configured" })

/** What reading a channel's orders can fail with, and needs. */
export type ChannelFeed = OrderFeed<
  ProviderError | TokenUnavailable | TokenStillRejected | LockTimeout | DecryptionFailed | PersistenceError | ConnectionNotFound,
  ProviderClient | AuditLog | ConnectionRepository | CredentialVault | Notifier | Transactions
>

const feed = (f: ChannelFeed) => Option.some(f)

/** The order feed of a channel connection; none for providers that are not sales channels. */
export const orderFeed = (connection: Connection) =>
  Effect.gen(function*() {
    switch (connection.provider) {
      case "shopify": {
        const { api } = yield* ShopifyClient
        if (Option.isNone(api)) return feed(() => Stream.fail(notConfigured("shopify")))
        return feed(api.value.orders(connection.organizationId, connection.id, connection.externalAccount))
      }
      case "woocommerce": {
        const { credentials } = yield* readCredentials(connection.organizationId, connection.id)
        return feed(WooClient.orders({ store: connection.externalAccount, credentials }))
      }
      default:
        return Option.none<ChannelFeed>()
    }
  })
