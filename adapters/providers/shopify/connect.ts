/**
 * Connecting a shop: install on a `{name}.myshopify.com` domain, consent, and a callback whose query Shopify signs
 * (HMAC over every parameter, with the app's current or previous secret) and timestamps — both checked before the
 * state is touched; the code becomes an expiring offline token with exactly the scopes asked for. Webhooks are
 * subscribed after connecting.
 */
import { DateTime, Effect, Option, Redacted } from "effect"
import { ConnectRefused, type ConnectAdapter } from "../../../core/connections/Connect.ts"
import { OAuthFlowError } from "../../../core/connections/OAuthFlow.ts"
import { expiryFrom } from "../../../core/connections/TokenLifecycle.ts"
import type { ShopifyApi } from "./ShopifyClient.ts"
import * as Shopify from "./ShopifyContract.ts"

/** Shopify's redirect carries a timestamp; one further off than the state's lifetime is not a fresh consent. */
const CALLBACK_WINDOW_SECONDS = 10 * 60

const failed = (reason: OAuthFlowError["reason"]) => Effect.fail(new OAuthFlowError({ reason }))

export const connectAdapter = (api: ShopifyApi): ConnectAdapter => ({
  pkce: false,
  begin: (params) =>
    Option.match(Shopify.normalizeShop(params["shop"]), {
      onNone: () =>
        Effect.fail(
          new ConnectRefused({ code: "invalid_shop_domain", detail: "The shop must be a {name}.myshopify.com domain." })
        ),
      onSome: (shop) =>
        Effect.succeed({
          context: { shop },
          consentUrl: (flow) => Shopify.authorizeUrl(api.settings, shop, flow.state, flow.redirectUri)
        })
    }),
  verifyCallback: (query) =>
    Effect.gen(function* () {
      const secrets = [api.settings.clientSecret, ...Option.toArray(api.settings.previousSecret)]
      // Not from Shopify (or altered on the way): the state is left alone.
      if (!Shopify.verifyQueryHmac(query, secrets)) return yield* failed("invalid_response")
      const params = new Map(query)
      const timestamp = Number(params.get("timestamp") ?? "NaN")
      const now = DateTime.toEpochMillis(yield* DateTime.now) / 1000
      if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > CALLBACK_WINDOW_SECONDS)
        return yield* failed("state_invalid")
      if (Option.isNone(Shopify.normalizeShop(params.get("shop")))) return yield* failed("not_allowed")
    }),
  exchange: (pending, code, query) =>
    Effect.gen(function* () {
      const shop = Shopify.normalizeShop(query["shop"])
      if (Option.isNone(shop) || pending.context["shop"] !== shop.value) return yield* failed("invalid_response")
      const grant = yield* api.exchangeCode(shop.value, code).pipe(
        Effect.tapError((e) =>
          Effect.logWarning("shopify code exchange failed").pipe(
            Effect.annotateLogs({ status: e.status ?? null, error: e.oauthError ?? null })
          )
        ),
        Effect.catchTag("ProviderTokenError", () => failed("exchange_failed"))
      )
      const missing = Shopify.missingScopes(api.settings.scopes, grant.scope)
      if (missing.length > 0) {
        yield* Effect.logWarning("shopify granted fewer scopes").pipe(
          Effect.annotateLogs({ missing: missing.join(",") })
        )
        return yield* failed("insufficient_scope")
      }
      const expiring = grant.refreshToken !== undefined || grant.expiresIn !== undefined
      return {
        externalAccount: shop.value,
        displayName: shop.value,
        credentials: Redacted.make({
          accessToken: Redacted.value(grant.accessToken),
          ...(grant.refreshToken === undefined ? {} : { refreshToken: Redacted.value(grant.refreshToken) }),
          shop: shop.value,
          scope: grant.scope ?? ""
        }),
        tokenExpiresAt: expiring ? expiryFrom(grant.expiresIn, yield* DateTime.now) : undefined
      }
    }),
  afterConnect: (account, urls) =>
    api
      .registerWebhooks(
        account.connection.organizationId,
        account.connection.id,
        account.connection.externalAccount,
        urls.webhook("shopify", account.connection.id)
      )
      .pipe(Effect.map((r) => r.registered))
})
