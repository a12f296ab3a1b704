/**
 * Connecting a provider account, one flow for every provider that is authorised in the merchant's browser:
 * start (the provider's install parameters checked, a single-use state bound to the organisation, the user and the
 * starting browser) → the provider's consent → callback (the provider's own proof checked before the state is
 * touched, the state consumed, the code exchanged) → stored sealed and audited (Connections.connect) → webhook
 * subscriptions, best effort. A key exchange (WooCommerce) receives the keys server-to-server and finishes when the
 * starting browser comes back. Providers plug in only where their protocol differs (ConnectAdapter).
 */
import { Context, type DateTime, Duration, Effect, Option, Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"
import type { Principal } from "../identity/Principal.ts"
import { requireRole } from "../identity/Roles.ts"
import { ProviderLookupError } from "../providers/errors.ts"
import { ProviderCatalogue, type ProviderServices } from "../providers/ports/ProviderCatalogue.ts"
import type { ProviderId } from "../providers/Provider.ts"
import type { Credentials, OpenedConnection } from "./Connection.ts"
import * as Connections from "./Connections.ts"
import * as OAuthFlow from "./OAuthFlow.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"

/** Where providers send merchants back and deliver webhooks (derived from PUBLIC_BASE_URL by the apps). */
export class ConnectUrls extends Context.Service<
  ConnectUrls,
  {
    readonly base: string
    readonly callback: (provider: ProviderId) => string
    readonly webhook: (provider: ProviderId, connectionId: string) => string
  }
>()("tradeport/core/connections/ConnectUrls") {}

/** An install request the provider cannot start with (a shop that is not a shop, a store URL not allowed). */
export class ConnectRefused extends Schema.TaggedError<ConnectRefused>()("ConnectRefused", {
  code: Schema.String,
  detail: Schema.String
}) {}

/** What a provider's consent ends in: the account to store. */
export interface ConnectedAccount {
  readonly externalAccount: string
  readonly displayName: string
  readonly credentials: Redacted.Redacted<Credentials>
  readonly tokenExpiresAt: DateTime.Utc | undefined
}

export interface ConsentFlow {
  readonly state: string
  readonly redirectUri: string
  readonly codeChallenge: string | undefined
  readonly urls: ConnectUrls["Service"]
}

export type Query = Readonly<Record<string, string | undefined>>

export interface ConnectAdapter {
  readonly pkce: boolean
  /** The install parameters into the flow's context, and the consent URL for a flow. */
  readonly begin: (params: Query) => Effect.Effect<
    {
      readonly context: Readonly<Record<string, string>>
      readonly consentUrl: (flow: ConsentFlow) => string
    },
    ConnectRefused
  >
  /** Checks a browser callback came from the provider before its state is consumed (Shopify signs it). */
  readonly verifyCallback?:
    | ((query: ReadonlyArray<readonly [string, string]>) => Effect.Effect<void, OAuthFlow.OAuthFlowError>)
    | undefined
  /** The authorization code into the account to store. */
  readonly exchange: (
    pending: OAuthFlow.PendingAuthorization,
    code: string,
    query: Query
  ) => Effect.Effect<ConnectedAccount, OAuthFlow.OAuthFlowError, ProviderServices>
  /** After connecting (webhook subscriptions): how many were registered. Best effort and bounded. */
  readonly afterConnect?:
    | ((account: OpenedConnection, urls: ConnectUrls["Service"]) => Effect.Effect<number, unknown, ProviderServices>)
    | undefined
  /** A key exchange: the keys the store posts, and the account they make (keeping what a reconnect must keep). */
  readonly keys?:
    | {
        readonly decode: (
          body: Uint8Array
        ) => Effect.Effect<{ readonly state: string; readonly keys: Readonly<Record<string, string>> }, ConnectRefused>
        /** The account the flow connects (known from its start: a reconnect's previous credentials are read by it). */
        readonly externalAccount: (pending: OAuthFlow.PendingAuthorization) => string
        readonly account: (
          pending: OAuthFlow.PendingAuthorization,
          previous: Option.Option<OpenedConnection>
        ) => ConnectedAccount
      }
    | undefined
}

/** Webhook registration after connecting is best effort (the order sync covers a miss): bounded. */
const AFTER_CONNECT_TIMEOUT = Duration.seconds(15)

const adapterOf = (provider: ProviderId) =>
  Effect.gen(function* () {
    const found = (yield* ProviderCatalogue).find(provider)
    if (Option.isNone(found)) return yield* new ProviderLookupError({ provider, reason: "unknown" })
    const connect = found.value.connect
    if (connect === undefined) return yield* new ProviderLookupError({ provider, reason: "not_configured" })
    return connect
  })

/** Starts a connect flow (admins): the consent URL and the secret binding it to this browser. */
export const start = Effect.fn("Connect.start")(function* (principal: Principal, provider: ProviderId, params: Query) {
  yield* requireRole(principal.role, "admin")
  const adapter = yield* adapterOf(provider)
  const urls = yield* ConnectUrls
  const { context, consentUrl } = yield* adapter.begin(params)
  const redirectUri = urls.callback(provider)
  const { state, binding, codeChallenge } = yield* OAuthFlow.begin({
    organizationId: principal.organizationId,
    userId: principal.userId,
    provider,
    redirectUri,
    pkce: adapter.pkce,
    context: { ...context }
  })
  return { authorizeUrl: consentUrl({ state, redirectUri, codeChallenge, urls }), binding }
})

/** Stores the account and subscribes its webhooks (best effort, bounded, logged). */
const store = (
  adapter: ConnectAdapter,
  provider: ProviderId,
  pending: OAuthFlow.PendingAuthorization,
  account: ConnectedAccount
) =>
  Effect.gen(function* () {
    const connection = yield* Connections.connect({
      organizationId: pending.organizationId,
      actorUserId: pending.userId,
      provider,
      ...account
    })
    const urls = yield* ConnectUrls
    const subscribed =
      adapter.afterConnect === undefined
        ? Effect.succeed(0)
        : adapter.afterConnect(
            { connection, credentials: account.credentials, version: connection.credentialsVersion },
            urls
          )
    const webhooks = yield* subscribed.pipe(
      Effect.timeout(AFTER_CONNECT_TIMEOUT),
      Effect.catch((e) =>
        Effect.logWarning("webhook registration failed").pipe(
          Effect.annotateLogs({
            provider,
            error: typeof e === "object" && e !== null && "_tag" in e ? String(e._tag) : "unknown"
          }),
          Effect.as(0)
        )
      )
    )
    yield* Effect.logInfo("provider connected").pipe(
      Effect.annotateLogs({ provider, connectionId: connection.id, webhooks })
    )
    return connection
  })

/** The provider's redirect back to the browser: the connected account, or why not. */
export const callback = Effect.fn("Connect.callback")(function* (
  provider: ProviderId,
  request: { readonly query: ReadonlyArray<readonly [string, string]>; readonly binding: string | undefined }
) {
  const adapter = yield* adapterOf(provider).pipe(
    Effect.mapError(() => new OAuthFlow.OAuthFlowError({ reason: "provider_error" }))
  )
  if (adapter.verifyCallback !== undefined) yield* adapter.verifyCallback(request.query)
  const query: Query = Object.fromEntries(request.query)
  const { pending, code } = yield* OAuthFlow.complete(provider, {
    binding: request.binding,
    state: query["state"],
    code: query["code"],
    error: query["error"]
  })
  const account = yield* adapter.exchange(pending, code, query)
  return (yield* store(adapter, provider, pending, account)).externalAccount
})

const keysOf = (adapter: ConnectAdapter) =>
  adapter.keys === undefined
    ? Effect.fail(new OAuthFlow.OAuthFlowError({ reason: "provider_error" }))
    : Effect.succeed(adapter.keys)

/**
 * A key exchange's server-to-server step: the keys are held sealed under the (consumed) state until the browser that
 * started the flow comes back — only then is the account connected, so a link started by another organisation
 * cannot capture this store.
 */
export const receiveKeys = Effect.fn("Connect.receiveKeys")(function* (provider: ProviderId, body: Uint8Array) {
  const keys = yield* keysOf(yield* adapterOf(provider))
  const received = yield* keys.decode(body)
  const pending = yield* OAuthFlow.consume(provider, received.state, "server-to-server")
  yield* OAuthFlow.rememberOutcome(received.state, pending, { ...received.keys })
})

/** A key exchange's browser step: approved, denied, or the keys never arrived; only the starting browser finishes. */
export const finishKeys = Effect.fn("Connect.finishKeys")(function* (
  provider: ProviderId,
  request: {
    readonly state: string | undefined
    readonly approved: boolean | undefined
    readonly binding: string | undefined
  }
) {
  const adapter = yield* adapterOf(provider).pipe(
    Effect.mapError(() => new OAuthFlow.OAuthFlowError({ reason: "provider_error" }))
  )
  const keys = yield* keysOf(adapter)
  const forget = OAuthFlow.consume(provider, request.state, "server-to-server").pipe(Effect.ignore)
  if (request.approved === false) {
    // Denied: the state dies with the refusal.
    yield* forget
    return yield* new OAuthFlow.OAuthFlowError({ reason: "denied" })
  }
  if (request.approved === undefined) return yield* new OAuthFlow.OAuthFlowError({ reason: "invalid_response" })
  const outcome = yield* OAuthFlow.takeOutcome(provider, request.state).pipe(Effect.orElseSucceed(() => Option.none()))
  if (Option.isNone(outcome)) {
    // Approved in the browser, but the keys never reached us (or this return was already used).
    yield* forget
    return yield* new OAuthFlow.OAuthFlowError({ reason: "keys_not_received" })
  }
  const pending = outcome.value
  if (!OAuthFlow.boundTo(pending, request.binding))
    return yield* new OAuthFlow.OAuthFlowError({ reason: "session_mismatch" })
  return yield* Effect.gen(function* () {
    const account = keys.account(pending, yield* previousOf(provider, pending, keys.externalAccount(pending)))
    return (yield* store(adapter, provider, pending, account)).externalAccount
  }).pipe(
    Effect.catch((e) =>
      Effect.logWarning("connect failed").pipe(
        Effect.annotateLogs({ provider, error: e._tag }),
        Effect.andThen(Effect.fail(new OAuthFlow.OAuthFlowError({ reason: "provider_error" })))
      )
    )
  )
})

/** The account's current connection when this is a reconnect (what it holds may have to be kept). */
const previousOf = (provider: ProviderId, pending: OAuthFlow.PendingAuthorization, account: string) =>
  Effect.gen(function* () {
    const existing = yield* (yield* ConnectionRepository).findByAccount(pending.organizationId, provider, account)
    if (Option.isNone(existing)) return Option.none<OpenedConnection>()
    // Storage or keyring trouble fails the connect: silently issuing a new secret would break the store's webhooks.
    return (yield* Connections.open(pending.organizationId, existing.value.id)).opened
  })

/**
 * A custom source (admins): a connection that only pushes order events, signed the Standard Webhooks way with a
 * secret issued here and shown once.
 */
export const createCustomSource = Effect.fn("Connect.createCustomSource")(function* (
  principal: Principal,
  name: string
) {
  yield* requireRole(principal.role, "admin")
  const webhookSecret = `whsec_${randomBytes(24).toString("base64")}`
  const connection = yield* Connections.connect({
    organizationId: principal.organizationId,
    actorUserId: principal.userId,
    provider: "custom",
    externalAccount: name,
    displayName: name,
    credentials: Redacted.make({ webhookSecret }),
    tokenExpiresAt: undefined
  })
  return { connection, webhookSecret, webhookUrl: (yield* ConnectUrls).webhook("custom", connection.id) }
})
