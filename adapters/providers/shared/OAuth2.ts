/**
 * OAuth 2.0 token requests as providers speak them (RFC 6749 §4.4 client credentials, §6 refresh token):
 * form-encoded POSTs through the resilient ProviderClient, the answer decoded with Schema and mapped to a
 * TokenGrant, and errors mapped to ProviderTokenError carrying the OAuth `error` code, so the lifecycle policy
 * can tell a revoked grant (permanent) from a provider outage (transient).
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import { ProviderTokenError, type TokenGrant } from "../../../core/connections/ConnectionTokens.ts"
import { ProviderClient } from "./ProviderClient.ts"

const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  refresh_token: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Unknown),
  token_type: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
})

export interface TokenEndpoint {
  readonly provider: string
  readonly url: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Where the client credentials go: the form body (FedEx, DHL, Amazon) or HTTP Basic. */
  readonly clientAuth: "body" | "basic"
  /** How the request body is encoded: a form (RFC 6749) or JSON (Shopify). Defaults to a form. */
  readonly encoding?: "form" | "json" | undefined
}

/** One token request with the given parameters (client authentication added as the endpoint says). */
export const tokenRequest = (endpoint: TokenEndpoint, form: Record<string, string | number>) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const body =
      endpoint.clientAuth === "body"
        ? { ...form, client_id: endpoint.clientId, client_secret: Redacted.value(endpoint.clientSecret) }
        : form
    let http = HttpClientRequest.post(endpoint.url).pipe(
      endpoint.encoding === "json" ? HttpClientRequest.bodyJsonUnsafe(body) : HttpClientRequest.bodyUrlParams(body),
      HttpClientRequest.acceptJson
    )
    if (endpoint.clientAuth === "basic")
      http = HttpClientRequest.basicAuth(http, endpoint.clientId, Redacted.value(endpoint.clientSecret))
    // Only a client-credentials grant may be sent twice: a code is single-use, and a refresh grant may have rotated
    // the refresh token on its first receipt.
    const idempotent = form["grant_type"] === "client_credentials"
    const response = yield* client
      .execute(http, { provider: endpoint.provider, operation: new URL(endpoint.url).pathname, idempotent })
      .pipe(
        Effect.catchTag("ProviderError", (e) =>
          // A refusal carries the OAuth error code (invalid_grant, invalid_client…); anything else is an outage.
          Effect.fail(new ProviderTokenError({ status: e.status, oauthError: e.detail, message: e.reason }))
        )
      )
    const json = yield* response.json.pipe(Effect.orElseSucceed(() => undefined))
    const decoded = Schema.decodeUnknownOption(TokenResponse)(json)
    if (Option.isNone(decoded)) {
      return yield* new ProviderTokenError({
        status: response.status,
        message: "token response does not match the OAuth contract"
      })
    }
    const grant: TokenGrant = {
      accessToken: Redacted.make(decoded.value.access_token),
      refreshToken: decoded.value.refresh_token === undefined ? undefined : Redacted.make(decoded.value.refresh_token),
      expiresIn: decoded.value.expires_in,
      scope: decoded.value.scope
    }
    return grant
  }).pipe(Effect.withSpan("OAuth2.token", { attributes: { "provider.name": endpoint.provider } }))

export const clientCredentials = (endpoint: TokenEndpoint, scope?: string) =>
  tokenRequest(endpoint, { grant_type: "client_credentials", ...(scope === undefined ? {} : { scope }) })

/** The authorization-code exchange (RFC 6749 §4.1.3); `extra` carries provider additions (Shopify's `expiring`). */
export const authorizationCode = (
  endpoint: TokenEndpoint,
  code: string,
  redirectUri?: string,
  extra: Record<string, string | number> = {}
) =>
  tokenRequest(endpoint, {
    grant_type: "authorization_code",
    code,
    ...(redirectUri === undefined ? {} : { redirect_uri: redirectUri }),
    ...extra
  })

export const refreshToken = (endpoint: TokenEndpoint, token: Redacted.Redacted<string>) =>
  tokenRequest(endpoint, { grant_type: "refresh_token", refresh_token: Redacted.value(token) })
