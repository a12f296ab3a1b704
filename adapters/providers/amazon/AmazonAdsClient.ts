/**
 * The Amazon Ads client: Login with Amazon (authorization code with PKCE, per region), the refresh grant the
 * token machinery uses (rotating nothing: LwA keeps the refresh token; a revoked one is `invalid_grant` →
 * needs_reauth), and the profiles API with the connection's token (refreshed single-flight, once on a 401).
 */
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import type { ConnectionId, Credentials } from "../../../core/connections/Connection.ts"
import { connectionTokenSource, ProviderTokenError } from "../../../core/connections/ConnectionTokens.ts"
import { TokenEnvironment } from "../../../core/connections/TokenKeys.ts"
import { TokenManager, TokenRejected } from "../../../core/connections/TokenManager.ts"
import type { OrgId } from "../../../core/shared/Ids.ts"
import * as OAuth2 from "../shared/OAuth2.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import { collectInto, optionalConfig } from "../shared/StrictConfig.ts"
import { ProviderError } from "../../../core/providers/ProviderError.ts"
import { HOSTS, hostsAt, ProfileWire, quoteProfileIds, Region, type RegionHosts } from "./AmazonAdsContract.ts"

export interface AmazonAdsSettings {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly hosts: Readonly<Record<Region, RegionHosts>>
}

/**
 * AMAZON_ADS_CLIENT_ID / _CLIENT_SECRET; AMAZON_ADS_ENDPOINTS (a loopback fake, never in production; checked even
 * while Amazon Ads is off).
 */
export const load = (appEnv: string) =>
  Effect.gen(function* () {
    const problems: Array<string> = []
    const collect = collectInto(problems)
    const clientId = collect(yield* optionalConfig(Config.String("AMAZON_ADS_CLIENT_ID"))).pipe(
      Option.filter((id) => id.trim() !== "")
    )
    const secret = collect(yield* optionalConfig(Config.Redacted("AMAZON_ADS_CLIENT_SECRET")))
    if (Option.isSome(clientId) && Option.isNone(secret)) {
      problems.push("AMAZON_ADS_CLIENT_SECRET is required with AMAZON_ADS_CLIENT_ID")
    }
    // Checked even while Amazon Ads is off: a set value that is not a loopback fake is a mistake.
    const override = collect(yield* optionalConfig(Config.String("AMAZON_ADS_ENDPOINTS")))
    const loopback = /^http:\/\/(127\.0\.0\.1|localhost):\d{1,5}$/
    if (Option.isSome(override) && (appEnv === "production" || !loopback.test(override.value))) {
      problems.push("AMAZON_ADS_ENDPOINTS is for a loopback development fake only")
    }
    if (problems.length > 0 || Option.isNone(clientId) || Option.isNone(secret)) {
      return { settings: Option.none<AmazonAdsSettings>(), problems }
    }
    const settings: AmazonAdsSettings = {
      clientId: clientId.value.trim(),
      clientSecret: secret.value,
      hosts: Option.match(override, { onNone: () => HOSTS, onSome: hostsAt })
    }
    return { settings: Option.some(settings), problems }
  })

/** What an Amazon Ads connection stores (sealed): the LwA tokens and the region they belong to. */
export const AmazonAdsCredentials = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: Schema.String,
  region: Region
})

const make = (settings: AmazonAdsSettings) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const tokens = yield* TokenManager
    const endpoint = (region: Region): OAuth2.TokenEndpoint => ({
      provider: "amazon_ads",
      url: settings.hosts[region].token,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      clientAuth: "body"
    })

    const exchangeCode = (region: Region, code: string, redirectUri: string, codeVerifier: string) =>
      OAuth2.authorizationCode(endpoint(region), code, redirectUri, { code_verifier: codeVerifier }).pipe(
        Effect.provideService(ProviderClient, client)
      )

    const refreshGrant = (credentials: Credentials) => {
      const stored = Schema.decodeUnknownOption(AmazonAdsCredentials)(credentials)
      if (Option.isNone(stored)) {
        return Effect.fail(new ProviderTokenError({ oauthError: "invalid_grant", message: "no refresh token stored" }))
      }
      return OAuth2.refreshToken(endpoint(stored.value.region), Redacted.make(stored.value.refreshToken)).pipe(
        Effect.provideService(ProviderClient, client)
      )
    }

    /** `GET /v2/profiles` with a given token. */
    const profilesWith = (region: Region, token: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const operation = "/v2/profiles"
        const response = yield* client.execute(
          HttpClientRequest.get(`${settings.hosts[region].api}/v2/profiles`).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.bearerToken(Redacted.value(token)),
            HttpClientRequest.setHeader("amazon-advertising-api-clientid", settings.clientId)
          ),
          { provider: "amazon_ads", operation, circuit: `amazon_ads:${region}` }
        )
        return yield* response.text.pipe(
          Effect.flatMap((text) => Effect.try(() => JSON.parse(quoteProfileIds(text)) as unknown)),
          Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(ProfileWire))),
          Effect.mapError(() => new ProviderError({ provider: "amazon_ads", operation, reason: "Decode" }))
        )
      })

    /** The connection's profiles, with its token (refreshed as needed, once more on a 401). */
    const profiles = (organizationId: OrgId, connectionId: ConnectionId, region: Region) =>
      Effect.gen(function* () {
        const source = connectionTokenSource({
          organizationId,
          connectionId,
          provider: "amazon_ads",
          env: yield* TokenEnvironment,
          grant: refreshGrant
        })
        return yield* tokens.withToken(source, (token) =>
          profilesWith(region, token).pipe(
            Effect.mapError((e) => (e.reason === "Unauthorized" ? new TokenRejected() : e))
          )
        )
      })

    return { settings, exchangeCode, refreshGrant, profilesWith, profiles }
  })

export type AmazonAdsApi = Effect.Success<ReturnType<typeof make>>

export class AmazonAdsClient extends Context.Service<AmazonAdsClient, { readonly api: Option.Option<AmazonAdsApi> }>()(
  "tradeport/adapters/providers/amazon/AmazonAdsClient"
) {
  static readonly layer = (settings: AmazonAdsSettings) =>
    Layer.effect(
      AmazonAdsClient,
      make(settings).pipe(Effect.map((api) => AmazonAdsClient.of({ api: Option.some(api) })))
    )

  static readonly disabled = Layer.succeed(AmazonAdsClient, AmazonAdsClient.of({ api: Option.none() }))
}
