/**
 * What carrier adapters share: a carrier account's access token (OAuth 2.0 client credentials with the account's
 * own client id and secret, through the connection token machinery: cached for its lifetime less 5 minutes,
 * single-flight across processes, persisted sealed with its expiry for the token dashboard, refreshed once on a
 * 401), the API base URL per environment, and how provider failures become the carrier errors of core shipping.
 */
import { Config, DateTime, Effect, Option, Redacted, Result, Schema } from "effect"
import type { Credentials, OpenedConnection } from "../../../core/connections/Connection.ts"
import { ConnectionId } from "../../../core/connections/Connection.ts"
import { expiryFrom } from "../../../core/connections/TokenLifecycle.ts"
import type { ProviderServices } from "../../../core/providers/ports/ProviderCatalogue.ts"
import { ConnectField, type ProviderDescriptor } from "../../../core/providers/Provider.ts"
import type { Register } from "./Registration.ts"
import type { CarrierAccountInput, CarrierAdapter, CarrierFailure } from "../../../core/shipping/Carrier.ts"
import type { Label, RateQuote, ShipmentRequest, TrackingUpdate } from "../../../core/shipping/Shipment.ts"
import {
  connectionTokenSource,
  ProviderTokenError,
  type TokenUnavailable
} from "../../../core/connections/ConnectionTokens.ts"
import type { DecryptionFailed } from "../../../core/connections/ports/CredentialVault.ts"
import type { LockTimeout } from "../../../core/connections/ports/DistributedLock.ts"
import { TokenEnvironment } from "../../../core/connections/TokenKeys.ts"
import { TokenManager, TokenRejected, type TokenStillRejected } from "../../../core/connections/TokenManager.ts"
import type { OrgId } from "../../../core/shared/Ids.ts"
import { type ProviderId, CarrierRejected, CarrierUnavailable } from "../../../core/shipping/Shipment.ts"
import * as OAuth2 from "./OAuth2.ts"
import { ProviderClient } from "./ProviderClient.ts"
import { collectInto, oneOf, optionalConfig, optionalText } from "./StrictConfig.ts"
import type { ProviderError } from "../../../core/providers/ProviderError.ts"

export interface CarrierEndpoints {
  readonly carrier: ProviderId
  readonly baseUrl: string
  readonly tokenPath: string
  /** How the token request carries the client credentials: in the form body (default) or as HTTP Basic (UPS). */
  readonly clientAuth?: "body" | "basic" | undefined
}

/**
 * `{CARRIER}_ENV` (sandbox | live, spelled exactly; unset in production = the carrier is off) and
 * `{CARRIER}_API_URL` (an override: https, or a loopback fake outside production). Returns the base URL, whether the
 * carrier is on, or the problems.
 */
export const loadBaseUrl = (
  carrier: ProviderId,
  hosts: { readonly sandbox: string; readonly live: string },
  appEnv: string
) =>
  Effect.gen(function* () {
    const prefix = carrier.toUpperCase()
    const problems: Array<string> = []
    const collect = collectInto(problems)
    const envSetting = yield* optionalText(`${prefix}_ENV`, oneOf(["sandbox", "live"]))
    // Set but invalid (`Live`) is a problem, never a silent sandbox. Unset in production, the carrier stays off
    // (registered, not configured): production never talks to a sandbox by default, and a deployment need not
    // choose an environment for a carrier none of its merchants use.
    const enabled = !(Result.isSuccess(envSetting) && Option.isNone(envSetting.success) && appEnv === "production")
    const env = collect(envSetting)
    const override = collect(yield* optionalConfig(Config.String(`${prefix}_API_URL`)))
    const base = Option.getOrElse(override, () => hosts[Option.getOrElse(env, () => "sandbox" as const)]).replace(
      /\/+$/,
      ""
    )
    const loopback = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(base)
    if (!/^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(base) && !(loopback && appEnv !== "production")) {
      problems.push(
        `${prefix}_API_URL must be an https origin${appEnv === "production" ? "" : " (or a loopback fake)"}`
      )
    }
    return { base, problems, enabled }
  })

const clientCredentials = (endpoints: CarrierEndpoints) => (credentials: Credentials) =>
  Effect.gen(function* () {
    const stored = Schema.decodeUnknownOption(CarrierCredentials)(credentials)
    if (Option.isNone(stored)) {
      return yield* new ProviderTokenError({ oauthError: "invalid_client", message: "no client credentials stored" })
    }
    const { clientId, clientSecret } = stored.value
    return yield* OAuth2.clientCredentials({
      provider: endpoints.carrier,
      url: `${endpoints.baseUrl}${endpoints.tokenPath}`,
      clientId,
      clientSecret: Redacted.make(clientSecret),
      clientAuth: endpoints.clientAuth ?? "body"
    })
  })

/** Verifies a carrier account's credentials by getting a token with them (nothing is stored). */
export const verifyCredentials = (
  endpoints: CarrierEndpoints,
  clientId: string,
  clientSecret: Redacted.Redacted<string>
) => clientCredentials(endpoints)({ clientId, clientSecret: Redacted.value(clientSecret) })

export type CarrierTokenError = ProviderError | TokenUnavailable | TokenStillRejected | LockTimeout

/** Provider and token failures as core shipping sees them. */
export const carrierFailure =
  (carrier: ProviderId) =>
  (e: CarrierTokenError): CarrierUnavailable | CarrierRejected => {
    switch (e._tag) {
      case "ProviderError":
        return e.reason === "Timeout" ||
          e.reason === "Unavailable" ||
          e.reason === "RateLimited" ||
          e.reason === "CircuitOpen"
          ? new CarrierUnavailable({
              carrier,
              retryAfterSeconds: Math.max(1, Math.ceil(e.retryAfterSeconds ?? 30)),
              reached: e.reason === "Timeout" || e.reason === "Unavailable"
            })
          : new CarrierRejected({ carrier, code: e.detail ?? e.reason.toLowerCase() })
      case "TokenUnavailable":
        return e.reason === "transient"
          ? new CarrierUnavailable({ carrier, retryAfterSeconds: 30, reached: false })
          : new CarrierRejected({ carrier, code: e.reason })
      case "TokenStillRejected":
        return new CarrierRejected({ carrier, code: "credentials_refused" })
      case "LockTimeout":
        return new CarrierUnavailable({ carrier, retryAfterSeconds: 5, reached: false })
    }
  }

/**
 * The carrier capability of a registration: accounts verified by fetching a token with their credentials (nothing
 * stored before the carrier accepts them), and stored accounts opened into their CarrierApi. The ProviderClient is
 * captured here, so the capability needs only core ports when it runs.
 */
export const carrierAdapter = (
  endpoints: CarrierEndpoints,
  client: ProviderClient["Service"],
  options: {
    /** Refuses an account missing a carrier-specific setting (code and all), before asking the carrier. */
    readonly check?: (input: CarrierAccountInput) => CarrierRejected | undefined
    readonly open: (account: OpenedConnection) => RawCarrierApi
  }
): CarrierAdapter => {
  const provide = <A, R>(effect: Effect.Effect<A, CarrierFailure, R>) =>
    effect.pipe(Effect.provideService(ProviderClient, client))
  return {
    verify: (input) =>
      Effect.gen(function* () {
        const refused = options.check?.(input)
        if (refused !== undefined) return yield* refused
        const grant = yield* verifyCredentials(endpoints, input.clientId, input.clientSecret).pipe(
          Effect.provideService(ProviderClient, client),
          Effect.mapError((e) =>
            e.status === undefined || e.status === 429 || e.status >= 500
              ? new CarrierUnavailable({ carrier: endpoints.carrier, retryAfterSeconds: 30, reached: false })
              : new CarrierRejected({ carrier: endpoints.carrier, code: ACCOUNT_REFUSED })
          )
        )
        const credentials: Credentials = {
          clientId: input.clientId,
          clientSecret: Redacted.value(input.clientSecret),
          accountNumber: input.accountNumber,
          ...(input.distributionCenter === undefined ? {} : { distributionCenter: input.distributionCenter }),
          accessToken: Redacted.value(grant.accessToken)
        }
        return {
          credentials: Redacted.make(credentials),
          tokenExpiresAt: expiryFrom(grant.expiresIn, yield* DateTime.now)
        }
      }),
    open: (account) => {
      const api = options.open(account)
      return {
        carrier: endpoints.carrier,
        connectionId: account.connection.id,
        quote: (request) => provide(api.quote(request)),
        label: (request, service, reference) => provide(api.label(request, service, reference)),
        track: (trackingNumber) => provide(api.track(trackingNumber))
      }
    }
  }
}

/** What a merchant enters to add a client-credentials carrier account. */
export const carrierFields: ReadonlyArray<ConnectField> = [
  new ConnectField({ name: "clientId", label: "Client id (API key)", input: "text" }),
  new ConnectField({ name: "clientSecret", label: "Client secret", input: "password" }),
  new ConnectField({ name: "accountNumber", label: "Account number", input: "text" })
]

/** The code a carrier's refusal of an account's credentials is reported with. */
export const ACCOUNT_REFUSED = "account_credentials_refused"

type RawFailure = CarrierFailure | DecryptionFailed

/** A carrier client's operations before the ProviderClient is provided. */
export interface RawCarrierApi {
  readonly quote: (
    request: ShipmentRequest
  ) => Effect.Effect<ReadonlyArray<RateQuote>, RawFailure, ProviderServices | ProviderClient>
  readonly label: (
    request: ShipmentRequest,
    service: string,
    reference: string
  ) => Effect.Effect<Label, RawFailure, ProviderServices | ProviderClient>
  readonly track: (
    trackingNumber: string
  ) => Effect.Effect<TrackingUpdate, RawFailure, ProviderServices | ProviderClient>
}

/** The grant the scheduler's refresh runner uses for this carrier's connections (the ProviderClient captured). */
export const refreshGrant =
  (endpoints: CarrierEndpoints, client: ProviderClient["Service"]) => (credentials: Credentials) =>
    clientCredentials(endpoints)(credentials).pipe(Effect.provideService(ProviderClient, client))

/** A carrier account's account number and settings, from its credentials (typed: every field a string). */
export const CarrierCredentials = Schema.Struct({
  clientId: Schema.String,
  clientSecret: Schema.String,
  accountNumber: Schema.optionalKey(Schema.String),
  distributionCenter: Schema.optionalKey(Schema.String),
  accessToken: Schema.optionalKey(Schema.String)
})

export const carrierCredentials = (account: OpenedConnection) => {
  const decoded = Schema.decodeUnknownOption(CarrierCredentials)(Redacted.value(account.credentials))
  const accountNumber = Option.flatMapNullishOr(decoded, (c) => c.accountNumber)
  return {
    accountNumber: Option.getOrElse(accountNumber, () => account.connection.externalAccount),
    distributionCenter: Option.getOrUndefined(Option.flatMapNullishOr(decoded, (c) => c.distributionCenter))
  }
}

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
  Effect.gen(function* () {
    const tokens = yield* TokenManager
    const client = yield* ProviderClient
    const source = connectionTokenSource({
      organizationId,
      connectionId: ConnectionId.make(connectionId),
      provider: endpoints.carrier,
      env: yield* TokenEnvironment,
      grant: (credentials) =>
        clientCredentials(endpoints)(credentials).pipe(Effect.provideService(ProviderClient, client))
    })
    return yield* tokens.withToken(source, (token) =>
      use(token).pipe(Effect.mapError((e) => (e.reason === "Unauthorized" ? new TokenRejected() : e)))
    )
  }).pipe(
    Effect.catchTags({
      ProviderError: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      TokenUnavailable: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      TokenStillRejected: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      LockTimeout: (e) => Effect.fail(carrierFailure(endpoints.carrier)(e)),
      ConnectionNotFound: () =>
        Effect.fail(new CarrierRejected({ carrier: endpoints.carrier, code: "connection_not_found" }))
    })
  )

/**
 * The registration of a client-credentials carrier: its base URL from `{CARRIER}_ENV`/`{CARRIER}_API_URL` (off in
 * production until the environment is chosen), the carrier capability and its refresh grant. A carrier's folder
 * gives only what differs: its descriptor, hosts, token path and client authentication, an account check, and how
 * a stored account becomes its API.
 */
export const registerCarrier =
  (options: {
    readonly descriptor: ProviderDescriptor
    readonly hosts: { readonly sandbox: string; readonly live: string }
    readonly tokenPath: string
    readonly clientAuth?: "body" | "basic" | undefined
    readonly check?: (input: CarrierAccountInput) => CarrierRejected | undefined
    readonly open: (endpoints: CarrierEndpoints, account: OpenedConnection) => RawCarrierApi
  }): Register<ProviderClient> =>
  (appEnv) =>
    Effect.gen(function* () {
      const { descriptor } = options
      const client = yield* ProviderClient
      const { base, problems, enabled } = yield* loadBaseUrl(descriptor.id, options.hosts, appEnv)
      if (!enabled) return { problems, provider: { descriptor, configured: false } }
      const endpoints: CarrierEndpoints = {
        carrier: descriptor.id,
        baseUrl: base,
        tokenPath: options.tokenPath,
        clientAuth: options.clientAuth
      }
      const carrier = carrierAdapter(endpoints, client, {
        ...(options.check === undefined ? {} : { check: options.check }),
        open: (account) => options.open(endpoints, account)
      })
      return {
        problems,
        provider: { descriptor, configured: true, carrier, refreshGrant: refreshGrant(endpoints, client) }
      }
    })
