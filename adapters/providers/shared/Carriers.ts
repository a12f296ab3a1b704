/**
 * What carrier adapters share: a carrier account's access token (OAuth 2.0 client credentials with the account's
 * own client id and secret, through the connection token machinery: cached for its lifetime less 5 minutes,
 * single-flight across processes, persisted sealed with its expiry for the token dashboard, refreshed once on a
 * 401), the API base URL per environment, and how provider failures become the carrier errors of core shipping.
 */
import { Config, Effect, Option, Redacted } from "effect"
import type { Credentials } from "../../../core/connections/Connection.ts"
import { ConnectionId } from "../../../core/connections/Connection.ts"
import { connectionTokenSource, ProviderTokenError, type TokenUnavailable } from "../../../core/connections/ConnectionTokens.ts"
import type { LockTimeout } from "../../../core/connections/ports/DistributedLock.ts"
import { TokenEnvironment } from "../../../core/connections/TokenKeys.ts"
import { TokenManager, TokenRejected, type TokenStillRejected } from "../../../core/connections/TokenManager.ts"
import type { OrgId } from "../../../core/shared/Ids.ts"
import { type CarrierKind, CarrierRejected, CarrierUnavailable } from "../../../core/shipping/Shipment.ts"
import * as OAuth2 from "./OAuth2.ts"
import { ProviderClient } from "./ProviderClient.ts"
import type { ProviderError } from "./ProviderError.ts"

export interface CarrierEndpoints {
  readonly carrier: CarrierKind
  readonly baseUrl: string
  readonly tokenPath: string
}

/**
 * `{CARRIER}_ENV` (sandbox | live; production must choose) and `{CARRIER}_API_URL` (an override: https, or a
 * loopback fake outside production). Returns the base URL or the problems.
 */
export const loadBaseUrl = (carrier: CarrierKind, hosts: { readonly sandbox: string; readonly live: string }, appEnv: string) =>
  Effect.gen(function*() {
    const prefix = carrier.toUpperCase()
    const problems: Array<string> = []
    const env = yield* Config.option(Config.Literals(["sandbox", "live"], `${prefix}_ENV`)).pipe(Effect.orElseSucceed(() => Option.none<"sandbox" | "live">()))
    if (Option.isNone(env) && appEnv === "production") problems.push(`${prefix}_ENV must be set in production (sandbox or live)`)
    const override = yield* Config.option(Config.String(`${prefix}_API_URL`)).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    const base = Option.getOrElse(override, () => hosts[Option.getOrElse(env, () => "sandbox" as const)]).replace(/\/+$/, "")
    const loopback = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(base)
    if (!/^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(base) && !(loopback && appEnv !== "production")) {
      problems.push(`${prefix}_API_URL must be an https origin${appEnv === "production" ? "" : " (or a loopback fake)"}`)
    }
    return { base, problems }
  })

const clientCredentials = (endpoints: CarrierEndpoints) => (credentials: Credentials) =>
  Effect.gen(function*() {
    const clientId = credentials["clientId"]
    const clientSecret = credentials["clientSecret"]
    if (clientId === undefined || clientSecret === undefined) {
      return yield* new ProviderTokenError({ oauthError: "invalid_client", message: "no client credentials stored" })
    }
    return yield* OAuth2.clientCredentials({
      provider: endpoints.carrier,
      url: `${endpoints.baseUrl}${endpoints.tokenPath}`,
      clientId,
      clientSecret: Redacted.make(clientSecret),
      clientAuth: "body"
    })
  })

/** Verifies a carrier account's credentials by getting a token with them (nothing is stored). */
export const verifyCredentials = (endpoints: CarrierEndpoints, clientId: string, clientSecret: Redacted.Redacted<string>) =>
  clientCredentials(endpoints)({ clientId, clientSecret: Redacted.value(clientSecret) })

export type CarrierTokenError = ProviderError | TokenUnavailable | TokenStillRejected | LockTimeout

/** Provider and token failures as core shipping sees them. */
export const carrierFailure = (carrier: CarrierKind) => (e: CarrierTokenError): CarrierUnavailable | CarrierRejected => {
  switch (e._tag) {
    case "ProviderError":
      return e.reason === "Timeout" || e.reason === "Unavailable" || e.reason === "RateLimited" || e.reason === "CircuitOpen"
        ? new CarrierUnavailable({
          carrier,
          retryAfterSeconds: Math.max(1, Math.ceil(e.retryAfterSeconds ?? 30)),
          reached: e.reason === "Timeout" || e.reason === "Unavailable"
        })
        : new CarrierRejected({ carrier, code: e.detail ?? e.reason.toLowerCase() })
    case "TokenUnavailable":
      return e.reason === "transient" ? new CarrierUnavailable({ carrier, retryAfterSeconds: 30, reached: false }) : new CarrierRejected({ carrier, code: e.reason })
    case "TokenStillRejected":
      return new CarrierRejected({ carrier, code: "credentials_refused" })
    case "LockTimeout":
      return new CarrierUnavailable({ carrier, retryAfterSeconds: 5, reached: false })
  }
}

/** The grant the scheduler's refresh runner uses for this carrier's connections. */
export const refreshGrant = (endpoints: CarrierEndpoints) => clientCredentials(endpoints)

/**
 * Runs `use` with the account's token; a 401 (`Unauthorized`) refreshes it once and retries. Carrier failures come
 * out as CarrierUnavailable / CarrierRejected.
 */
export const withCarrierToken = <A, R>(
  endpoints: CarrierEndpoints,
  organizationId: OrgId,
  connectionId: string,
  use: (token: Redacted.Redacted<string>) => Effect.Effect<A, ProviderError, R>
) =>
  Effect.gen(function*() {
    const tokens = yield* TokenManager
    const client = yield* ProviderClient
    const source = connectionTokenSource({
      organizationId,
      connectionId: ConnectionId.make(connectionId),
      provider: endpoints.carrier,
      env: yield* TokenEnvironment,
      grant: (credentials) => clientCredentials(endpoints)(credentials).pipe(Effect.provideService(ProviderClient, client))
    })
    return yield* tokens.withToken(source, (token) =>
      use(token).pipe(Effect.mapError((e) => (e.reason === "Unauthorized" ? new TokenRejected() : e))))
  }).pipe(
    Effect.catchTags({
      ProviderError: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      TokenUnavailable: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      TokenStillRejected: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      LockTimeout: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      ConnectionNotFound: () => Effect.fail(new CarrierRejected({ carrier: endpoints.carrier, code: "connection_not_found" }))
    })
  )
