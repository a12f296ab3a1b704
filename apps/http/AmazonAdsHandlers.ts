/** Amazon Ads connect flow and profiles. */
import { DateTime, Effect, Option, Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { AmazonAdsClient } from "../../adapters/providers/amazon/AmazonAdsClient.ts"
import { authorizeUrl, type ProfileWire, Region } from "../../adapters/providers/amazon/AmazonAdsContract.ts"
import * as Connections from "../../core/connections/Connections.ts"
import * as OAuthFlow from "../../core/connections/OAuthFlow.ts"
import { expiryFrom } from "../../core/connections/TokenLifecycle.ts"
import { requireRole } from "../../core/identity/Roles.ts"
import type { Principal } from "../../core/identity/Principal.ts"
import type { ConnectionId } from "../../core/connections/Connection.ts"
import { Schema } from "effect"
import { callbackUrl, PublicBaseUrl } from "../shared/Environment.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { channelProblems } from "./ChannelProblems.ts"
import { browserBinding, consoleRedirect, failed, toConsent } from "./ConnectFlow.ts"
import { toView } from "./ConnectionsHandlers.ts"
import { problems } from "./ErrorMapping.ts"
import { Conflict, NotFound, Unprocessable } from "./Problems.ts"

const view = (p: ProfileWire) => ({
  profileId: p.profileId,
  countryCode: p.countryCode,
  currencyCode: p.currencyCode,
  accountId: p.accountInfo.id,
  accountType: p.accountInfo.type,
  accountName: p.accountInfo.name ?? null
})

const notConfigured = () => new NotFound({ code: "provider_not_configured", detail: "Amazon Ads is not configured." })

export const AmazonAdsHandlers = HttpApiBuilder.group(
  Api,
  "amazonAds",
  Effect.fn(function*(handlers) {
    const amazon = yield* AmazonAdsClient
    /** The caller's Amazon Ads connection and its live profiles. */
    const profilesOf = (principal: Principal, id: ConnectionId) =>
      Effect.gen(function*() {
        if (Option.isNone(amazon.api)) return yield* notConfigured()
        const connection = yield* Connections.get(principal, id)
        if (connection.provider !== "amazon_ads") return yield* new Conflict({ code: "not_amazon_ads", detail: "This connection is not an Amazon Ads account." })
        const region = Schema.decodeUnknownOption(Region)(connection.externalAccount.split(":")[0])
        if (Option.isNone(region)) return yield* Effect.die(new Error("amazon_ads connection without region"))
        const profiles = yield* amazon.api.value.profiles(connection.organizationId, connection.id, region.value)
        return { connection, profiles }
      }).pipe(Effect.catchTag("ConnectionNotFound", () => Effect.fail(new NotFound({ code: "connection_not_found" }))))
    return handlers
      .handle("install", ({ query }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          if (Option.isNone(amazon.api)) return yield* notConfigured()
          const redirectUri = callbackUrl(yield* PublicBaseUrl.pipe(Effect.orDie), "amazon_ads")
          const { state, binding, codeChallenge } = yield* OAuthFlow.begin({
            organizationId: principal.organizationId,
            userId: principal.userId,
            provider: "amazon_ads",
            redirectUri,
            pkce: true,
            context: { region: query.region }
          })
          const api = amazon.api.value
          return yield* toConsent("amazon_ads", authorizeUrl(api.settings.hosts[query.region], api.settings.clientId, state, redirectUri, codeChallenge ?? ""), binding)
        }).pipe(Effect.catchTags({ InsufficientRole: problems.InsufficientRole, CacheError: problems.CacheError })))
      .handle("profiles", ({ params }) =>
        Effect.gen(function*() {
          const { connection, profiles } = yield* profilesOf(yield* caller, params.id)
          return { profiles: profiles.map(view), selected: connection.settings["profileId"] ?? null }
        }).pipe(Effect.catchTags(channelProblems)))
      .handle("selectProfile", ({ params, payload }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          const { profiles } = yield* profilesOf(principal, params.id)
          if (!profiles.some((p) => p.profileId === payload.profileId)) {
            return yield* new Unprocessable({ code: "unknown_profile", detail: "This account has no such advertising profile." })
          }
          return toView(yield* Connections.changeSettings(principal, params.id, { profileId: payload.profileId }).pipe(
            Effect.catchTag("ConnectionNotFound", () => Effect.fail(new NotFound({ code: "connection_not_found" })))
          ))
        }).pipe(Effect.catchTags({ ...channelProblems, InsufficientRole: problems.InsufficientRole })))
  })
)

export const AmazonAdsCallbackHandlers = HttpApiBuilder.group(
  Api,
  "amazonAdsCallback",
  Effect.fn(function*(handlers) {
    const amazon = yield* AmazonAdsClient
    return handlers.handle("callback", () =>
      Effect.gen(function*() {
        const base = yield* PublicBaseUrl.pipe(Effect.orDie)
        return yield* Effect.gen(function*() {
          if (Option.isNone(amazon.api)) return yield* failed("provider_error")
          const api = amazon.api.value
          const request = yield* HttpServerRequest.HttpServerRequest
          const query = new URL(request.url, "http://callback").searchParams
          const { pending, code } = yield* OAuthFlow.complete("amazon_ads", {
            binding: yield* browserBinding("amazon_ads"),
            state: query.get("state") ?? undefined,
            code: query.get("code") ?? undefined,
            error: query.get("error") ?? undefined
          })
          const region = Schema.decodeUnknownOption(Region)(pending.context["region"])
          if (Option.isNone(region) || pending.codeVerifier === null) return yield* failed("state_invalid")
          const grant = yield* api.exchangeCode(region.value, code, pending.redirectUri, pending.codeVerifier).pipe(
            Effect.tapError((e) => Effect.logWarning("amazon ads code exchange failed").pipe(Effect.annotateLogs({ status: e.status ?? null, error: e.oauthError ?? null }))),
            Effect.catchTag("ProviderTokenError", () => failed("exchange_failed"))
          )
          if (grant.refreshToken === undefined) return yield* failed("exchange_failed")
          // The advertiser account identifies the connection (a reconnect of the same account updates it).
          const profiles = yield* api.profilesWith(region.value, grant.accessToken).pipe(Effect.catchTag("ProviderError", () => failed("provider_error")))
          const account = profiles[0]?.accountInfo.id ?? "no-profiles"
          const connection = yield* Connections.connect({
            organizationId: pending.organizationId,
            actorUserId: pending.userId,
            provider: "amazon_ads",
            externalAccount: `${region.value}:${account}`,
            displayName: `Amazon Ads ${region.value}${profiles[0]?.accountInfo.name === undefined ? "" : ` — ${profiles[0].accountInfo.name}`}`,
            credentials: Redacted.make({ accessToken: Redacted.value(grant.accessToken), refreshToken: Redacted.value(grant.refreshToken), region: region.value }),
            tokenExpiresAt: expiryFrom(grant.expiresIn, yield* DateTime.now)
          })
          yield* Effect.logInfo("amazon ads connected").pipe(Effect.annotateLogs({ connectionId: connection.id, profiles: profiles.length }))
          return consoleRedirect(base, "amazon_ads", { account: connection.externalAccount })
        }).pipe(
          Effect.catchTag("OAuthFlowError", (e) =>
            Effect.logWarning("amazon ads connect refused").pipe(
              Effect.annotateLogs({ reason: e.reason, providerError: e.providerError ?? null }),
              Effect.as(consoleRedirect(base, "amazon_ads", { reason: e.reason }))
            )),
          Effect.catch(() => Effect.succeed(consoleRedirect(base, "amazon_ads", { reason: "provider_error" })))
        )
      }))
  })
)
