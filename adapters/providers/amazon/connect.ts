/**
 * Connecting an Amazon Ads account: Login with Amazon in the chosen region (authorization code with PKCE), the code
 * exchanged for a refresh token, and the advertiser account (from its profiles) naming the connection — a
 * reconnect of the same account updates it.
 */
import { DateTime, Effect, Option, Redacted, Schema } from "effect"
import { ConnectRefused, type ConnectAdapter } from "../../../core/connections/Connect.ts"
import { OAuthFlowError } from "../../../core/connections/OAuthFlow.ts"
import { expiryFrom } from "../../../core/connections/TokenLifecycle.ts"
import type { AmazonAdsApi } from "./AmazonAdsClient.ts"
import { authorizeUrl, Region } from "./AmazonAdsContract.ts"

const failed = (reason: OAuthFlowError["reason"]) => Effect.fail(new OAuthFlowError({ reason }))

export const connectAdapter = (api: AmazonAdsApi): ConnectAdapter => ({
  pkce: true,
  begin: (params) =>
    Option.match(Schema.decodeUnknownOption(Region)(params["region"]), {
      onNone: () =>
        Effect.fail(new ConnectRefused({ code: "invalid_region", detail: "The region must be NA, EU or FE." })),
      onSome: (region) =>
        Effect.succeed({
          context: { region },
          consentUrl: (flow) =>
            authorizeUrl(
              api.settings.hosts[region],
              api.settings.clientId,
              flow.state,
              flow.redirectUri,
              flow.codeChallenge ?? ""
            )
        })
    }),
  exchange: (pending, code) =>
    Effect.gen(function* () {
      const region = Schema.decodeUnknownOption(Region)(pending.context["region"])
      if (Option.isNone(region) || pending.codeVerifier === null) return yield* failed("state_invalid")
      const grant = yield* api.exchangeCode(region.value, code, pending.redirectUri, pending.codeVerifier).pipe(
        Effect.tapError((e) =>
          Effect.logWarning("amazon ads code exchange failed").pipe(
            Effect.annotateLogs({ status: e.status ?? null, error: e.oauthError ?? null })
          )
        ),
        Effect.catchTag("ProviderTokenError", () => failed("exchange_failed"))
      )
      if (grant.refreshToken === undefined) return yield* failed("exchange_failed")
      // The advertiser account identifies the connection (a reconnect of the same account updates it).
      const profiles = yield* api
        .profilesWith(region.value, grant.accessToken)
        .pipe(Effect.catchTag("ProviderError", () => failed("provider_error")))
      const first = profiles[0]
      const name = first?.accountInfo.name
      return {
        externalAccount: `${region.value}:${first?.accountInfo.id ?? "no-profiles"}`,
        displayName: `Amazon Ads ${region.value}${name === undefined ? "" : ` — ${name}`}`,
        credentials: Redacted.make({
          accessToken: Redacted.value(grant.accessToken),
          refreshToken: Redacted.value(grant.refreshToken),
          region: region.value
        }),
        tokenExpiresAt: expiryFrom(grant.expiresIn, yield* DateTime.now)
      }
    })
})
