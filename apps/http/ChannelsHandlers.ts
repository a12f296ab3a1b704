/**
 * Sales-channel connect flows and order sync. Every browser-facing outcome of a callback is a redirect to the
 * console with a reason code and the message a person reads (`userMessage`); the details go to the log only.
 */
import { DateTime, Duration, Effect, Option, Redacted, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { randomBytes } from "node:crypto"
import { EgressGuard } from "../../adapters/providers/shared/Egress.ts"
import { ShopifyClient } from "../../adapters/providers/shopify/ShopifyClient.ts"
import { missingScopes, normalizeShop, verifyQueryHmac } from "../../adapters/providers/shopify/ShopifyContract.ts"
import * as Shopify from "../../adapters/providers/shopify/ShopifyContract.ts"
import * as WooClient from "../../adapters/providers/woocommerce/WooClient.ts"
import * as Woo from "../../adapters/providers/woocommerce/WooContract.ts"
import { syncNow } from "../../core/channels/ChannelSync.ts"
import * as Connections from "../../core/connections/Connections.ts"
import * as OAuthFlow from "../../core/connections/OAuthFlow.ts"
import { expiryFrom } from "../../core/connections/TokenLifecycle.ts"
import { requireRole } from "../../core/identity/Roles.ts"
import { callbackUrl, PublicBaseUrl } from "../shared/Environment.ts"
import { WooAppName } from "../shared/Channels.ts"
import { ConnectionRepository } from "../../core/connections/ports/ConnectionRepository.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { problems } from "./ErrorMapping.ts"
import { channelProblems } from "./ChannelProblems.ts"
import { SyncReportView } from "./ChannelsApi.ts"
import { NotFound } from "./Problems.ts"
import { Malformed } from "./WebhooksApi.ts"
import { browserBinding, consoleRedirect, failed, toConsent } from "./ConnectFlow.ts"

/** Shopify's redirect carries a timestamp; one further off than the state's lifetime is not a fresh consent. */
const CALLBACK_WINDOW_SECONDS = 10 * 60
/** Webhook registration after connecting is best effort (the order sync covers a miss): bounded. */
const REGISTRATION_TIMEOUT = Duration.seconds(15)

const invalid = (code: string, detail: string) => Effect.fail(new Malformed({ code, detail }))

export const ChannelInstallHandlers = HttpApiBuilder.group(
  Api,
  "channelInstall",
  Effect.fn(function*(handlers) {
    const shopify = yield* ShopifyClient
    const egress = yield* EgressGuard
    return handlers
      .handle("shopifyInstall", ({ query }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          if (Option.isNone(shopify.api)) return yield* new NotFound({ code: "provider_not_configured", detail: "Shopify is not configured." })
          const shop = normalizeShop(query.shop)
          if (Option.isNone(shop)) return yield* invalid("invalid_shop_domain", "The shop must be a {name}.myshopify.com domain.")
          const redirectUri = callbackUrl(yield* PublicBaseUrl.pipe(Effect.orDie), "shopify")
          const { state, binding } = yield* OAuthFlow.begin({
            organizationId: principal.organizationId,
            userId: principal.userId,
            provider: "shopify",
            redirectUri,
            pkce: false,
            context: { shop: shop.value }
          })
          return yield* toConsent("shopify", Shopify.authorizeUrl(shopify.api.value.settings, shop.value, state, redirectUri), binding)
        }).pipe(Effect.catchTags({ InsufficientRole: problems.InsufficientRole, CacheError: problems.CacheError })))
      .handle("wooInstall", ({ query }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          const store = Woo.normalizeStoreUrl(query.store_url)
          if (Option.isNone(store)) return yield* invalid("invalid_store_url", "The store URL must be an absolute https:// URL without query or fragment.")
          yield* egress.check(store.value).pipe(
            Effect.tapError((e) => Effect.logWarning("store URL refused").pipe(Effect.annotateLogs({ reason: e.reason, host: e.host }))),
            Effect.catchTag("EgressRefused", () => invalid("store_url_not_allowed", OAuthFlow.userMessage(new OAuthFlow.OAuthFlowError({ reason: "not_allowed" }))))
          )
          const base = yield* PublicBaseUrl.pipe(Effect.orDie)
          const { state, binding } = yield* OAuthFlow.begin({
            organizationId: principal.organizationId,
            userId: principal.userId,
            provider: "woocommerce",
            redirectUri: callbackUrl(base, "woocommerce"),
            pkce: false,
            context: { storeUrl: store.value }
          })
          return yield* toConsent("woocommerce", Woo.authorizeUrl(store.value, {
            appName: yield* WooAppName.pipe(Effect.orDie),
            state,
            returnUrl: `${base}/api/v1/auth/woocommerce/return`,
            callbackUrl: callbackUrl(base, "woocommerce")
          }), binding)
        }).pipe(Effect.catchTags({ InsufficientRole: problems.InsufficientRole, CacheError: problems.CacheError })))
      .handle("syncOrders", ({ params }) =>
        caller.pipe(
          Effect.flatMap((principal) => syncNow(principal, params.id)),
          Effect.map((report) => new SyncReportView(report)),
          Effect.catchTags({
            ConnectionNotFound: problems.ConnectionNotFound,
            ChannelUnusable: problems.ChannelUnusable,
            ...channelProblems
          })
        ))
  })
)

export const ChannelCallbackHandlers = HttpApiBuilder.group(
  Api,
  "channelCallbacks",
  Effect.fn(function*(handlers) {
    const shopify = yield* ShopifyClient
    return handlers
      .handle("shopifyCallback", () =>
        Effect.gen(function*() {
          const base = yield* PublicBaseUrl.pipe(Effect.orDie)
          const outcome = yield* Effect.gen(function*() {
            if (Option.isNone(shopify.api)) return yield* failed("provider_error")
            const api = shopify.api.value
            const request = yield* HttpServerRequest.HttpServerRequest
            const query = new URL(request.url, "http://callback").searchParams
            const params = [...query.entries()]
            const secrets = [api.settings.clientSecret, ...Option.toArray(api.settings.previousSecret)]
            // Not from Shopify (or altered on the way): the state is left alone.
            if (!verifyQueryHmac(params, secrets)) return yield* failed("invalid_response")
            const timestamp = Number(query.get("timestamp") ?? "NaN")
            const now = DateTime.toEpochMillis(yield* DateTime.now) / 1000
            if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > CALLBACK_WINDOW_SECONDS) return yield* failed("state_invalid")
            const shop = normalizeShop(query.get("shop") ?? undefined)
            if (Option.isNone(shop)) return yield* failed("not_allowed")
            const { pending, code } = yield* OAuthFlow.complete("shopify", {
              binding: yield* browserBinding("shopify"),
              state: query.get("state") ?? undefined,
              code: query.get("code") ?? undefined,
              error: query.get("error") ?? undefined
            })
            if (pending.context["shop"] !== shop.value) return yield* failed("invalid_response")
            const grant = yield* api.exchangeCode(shop.value, code).pipe(
              Effect.tapError((e) => Effect.logWarning("shopify code exchange failed").pipe(Effect.annotateLogs({ status: e.status ?? null, error: e.oauthError ?? null }))),
              Effect.catchTag("ProviderTokenError", () => failed("exchange_failed"))
            )
            const missing = missingScopes(api.settings.scopes, grant.scope)
            if (missing.length > 0) {
              yield* Effect.logWarning("shopify granted fewer scopes").pipe(Effect.annotateLogs({ missing: missing.join(",") }))
              return yield* failed("insufficient_scope")
            }
            const expiring = grant.refreshToken !== undefined || grant.expiresIn !== undefined
            const connection = yield* Connections.connect({
              organizationId: pending.organizationId,
              actorUserId: pending.userId,
              provider: "shopify",
              externalAccount: shop.value,
              displayName: shop.value,
              credentials: Redacted.make({
                accessToken: Redacted.value(grant.accessToken),
                ...(grant.refreshToken === undefined ? {} : { refreshToken: Redacted.value(grant.refreshToken) }),
                shop: shop.value,
                scope: grant.scope ?? ""
              }),
              tokenExpiresAt: expiring ? expiryFrom(grant.expiresIn, yield* DateTime.now) : undefined
            })
            const registered = yield* api.registerWebhooks(connection.organizationId, connection.id, shop.value, `${base}/webhooks/shopify/${connection.id}`).pipe(
              Effect.timeout(REGISTRATION_TIMEOUT),
              Effect.map((r) => r.registered),
              Effect.catch((e) => Effect.logWarning("shopify webhook registration failed").pipe(Effect.annotateLogs({ error: e._tag }), Effect.as(0)))
            )
            yield* Effect.logInfo("shopify connected").pipe(Effect.annotateLogs({ connectionId: connection.id, webhooks: registered }))
            return shop.value
          }).pipe(
            Effect.map((account) => consoleRedirect(base, "shopify", { account })),
            Effect.catchTag("OAuthFlowError", (e) =>
              Effect.logWarning("shopify connect refused").pipe(
                Effect.annotateLogs({ reason: e.reason, providerError: e.providerError ?? null }),
                Effect.as(consoleRedirect(base, "shopify", { reason: e.reason }))
              )),
            Effect.catch(() => Effect.succeed(consoleRedirect(base, "shopify", { reason: "provider_error" })))
          )
          return outcome
        }))
      .handle("wooCallback", ({ payload }) =>
        Effect.gen(function*() {
          const chunks = yield* Stream.runCollect(payload).pipe(Effect.orElseSucceed(() => []))
          const keys = yield* Effect.try(() => JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown).pipe(
            Effect.flatMap(Woo.decodeCallback),
            Effect.catch(() => invalid("invalid_callback", "The body is not WooCommerce's key payload."))
          )
          const pending = yield* OAuthFlow.consume("woocommerce", String(keys.user_id), "server-to-server").pipe(
            Effect.catchTag("OAuthFlowError", () => invalid("state_invalid", "Unknown, used or expired user_id."))
          )
          // Held (sealed, for the state's lifetime) until the browser that started the flow comes back: only then is
          // the store connected, so a link started by another organisation cannot capture this store.
          yield* OAuthFlow.rememberOutcome(String(keys.user_id), pending, {
            consumerKey: keys.consumer_key,
            consumerSecret: keys.consumer_secret,
            keyId: String(keys.key_id),
            permissions: keys.key_permissions
          })
          yield* Effect.logInfo("woocommerce keys received")
          return { status: "keys_received" as const }
        }).pipe(Effect.catchTags({ CacheError: () => invalid("state_unavailable", "Try again.") })))
      .handle("wooReturn", () =>
        Effect.gen(function*() {
          const base = yield* PublicBaseUrl.pipe(Effect.orDie)
          const request = yield* HttpServerRequest.HttpServerRequest
          const query = new URL(request.url, "http://return").searchParams
          const state = query.get("user_id") ?? undefined
          if (query.get("success") === "0") {
            // Denied: the state dies with the refusal.
            yield* OAuthFlow.consume("woocommerce", state, "server-to-server").pipe(Effect.ignore)
            return consoleRedirect(base, "woocommerce", { reason: "denied" })
          }
          if (query.get("success") !== "1") return consoleRedirect(base, "woocommerce", { reason: "invalid_response" })
          const outcome = yield* OAuthFlow.takeOutcome("woocommerce", state).pipe(Effect.orElseSucceed(() => Option.none()))
          if (Option.isNone(outcome)) {
            // Approved in the browser, but the keys never reached us (or this return was already used).
            yield* OAuthFlow.consume("woocommerce", state, "server-to-server").pipe(Effect.ignore)
            return consoleRedirect(base, "woocommerce", { reason: "keys_not_received" })
          }
          const pending = outcome.value
          if (!OAuthFlow.boundTo(pending, yield* browserBinding("woocommerce"))) {
            yield* Effect.logWarning("woocommerce connect refused").pipe(Effect.annotateLogs({ reason: "session_mismatch" }))
            return consoleRedirect(base, "woocommerce", { reason: "session_mismatch" })
          }
          const store = pending.context["storeUrl"] ?? ""
          const connected = yield* Effect.gen(function*() {
            // A reconnect keeps the webhook secret: the store's existing webhooks stay verifiable.
            const existing = yield* (yield* ConnectionRepository).findByAccount(pending.organizationId, "woocommerce", store)
            const previousSecret = Option.isSome(existing)
              ? yield* Connections.readCredentials(pending.organizationId, existing.value.id).pipe(
                Effect.map(({ credentials }) => Option.fromNullishOr(Redacted.value(credentials)["webhookSecret"])),
                Effect.orElseSucceed(() => Option.none<string>())
              )
              : Option.none<string>()
            const webhookSecret = Option.getOrElse(previousSecret, () => randomBytes(32).toString("base64url"))
            const connection = yield* Connections.connect({
              organizationId: pending.organizationId,
              actorUserId: pending.userId,
              provider: "woocommerce",
              externalAccount: store,
              displayName: new URL(store).host,
              credentials: Redacted.make({
                consumerKey: pending.context["consumerKey"] ?? "",
                consumerSecret: pending.context["consumerSecret"] ?? "",
                keyId: pending.context["keyId"] ?? "",
                permissions: pending.context["permissions"] ?? "",
                webhookSecret
              }),
              tokenExpiresAt: undefined
            })
            const { credentials } = yield* Connections.readCredentials(connection.organizationId, connection.id)
            const result = yield* WooClient.registerWebhooks({ store, credentials }, `${base}/webhooks/woocommerce/${connection.id}`, Redacted.make(webhookSecret)).pipe(
              Effect.timeout(REGISTRATION_TIMEOUT),
              Effect.catch((e) => Effect.logWarning("woocommerce webhook registration failed").pipe(Effect.annotateLogs({ error: e._tag }), Effect.as({ registered: 0 })))
            )
            yield* Effect.logInfo("woocommerce connected").pipe(Effect.annotateLogs({ connectionId: connection.id, webhooks: result.registered }))
            return true
          }).pipe(Effect.catch((e) => Effect.logWarning("woocommerce connect failed").pipe(Effect.annotateLogs({ error: e._tag }), Effect.as(false))))
          if (!connected) return consoleRedirect(base, "woocommerce", { reason: "provider_error" })
          return consoleRedirect(base, "woocommerce", { account: store })
        }))
  })
)
