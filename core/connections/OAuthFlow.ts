/**
 * The OAuth 2.0 authorization-code flow, provider-neutral (RFC 6749 §4.1, PKCE RFC 7636):
 *
 * - `begin` creates a random, single-use `state` bound to the organisation, user, provider and exact redirect
 *   URI (plus a PKCE S256 verifier when the provider supports it) and stores it for 10 minutes;
 * - `complete` consumes the state atomically (a replay or a stale link fails), and turns the provider's `error`
 *   parameter into a typed reason with a message a person can act on.
 *
 * Provider adapters add only their URLs, scopes and token exchange.
 */
import { Clock, Duration, Effect, Option, Schema } from "effect"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { OrgId, UserId } from "../shared/Ids.ts"
import { ProviderId } from "./Connection.ts"
import { OAuthStateStore } from "./ports/OAuthStateStore.ts"

export const STATE_TTL = Duration.minutes(10)

export class PendingAuthorization extends Schema.Class<PendingAuthorization>("PendingAuthorization")({
  organizationId: OrgId,
  userId: UserId,
  provider: ProviderId,
  redirectUri: Schema.String,
  codeVerifier: Schema.NullOr(Schema.String),
  /**
   * SHA-256 of a secret the starting browser holds (an HttpOnly cookie): the flow completes only in that browser,
   * so a link started in one organisation cannot be finished by a merchant of another (connecting their shop to
   * the wrong tenant). Null for flows with no browser binding.
   */
  browserBinding: Schema.NullOr(Schema.String),
  /** Provider specifics chosen at the start (shop domain, store URL, region…). */
  context: Schema.Record(Schema.String, Schema.String),
  createdAt: Schema.Number
}) {}

export const OAuthFailure = Schema.Literals([
  "denied",
  "state_invalid",
  "provider_error",
  "exchange_failed",
  "not_allowed",
  "invalid_response",
  "insufficient_scope",
  "keys_not_received",
  "session_mismatch"
])
export type OAuthFailure = typeof OAuthFailure.Type

export class OAuthFlowError extends Schema.TaggedError<OAuthFlowError>()("OAuthFlowError", {
  reason: OAuthFailure,
  /** The provider's own error code, when it sent one (never its free text: that goes to the log only). */
  providerError: Schema.optional(Schema.String)
}) {}

/** What the person who clicked "Connect" reads when it did not work. Never a raw provider error. */
export const userMessage = (error: OAuthFlowError): string => {
  switch (error.reason) {
    case "denied":
      return "Connection failed: you denied permission."
    case "state_invalid":
      return "The link expired, try again."
    case "not_allowed":
      return "This store URL is not allowed."
    case "exchange_failed":
      return "Connection failed: the provider did not accept the authorisation. Try again."
    case "provider_error":
      return "Connection failed: the provider reported a problem. Try again later."
    case "invalid_response":
      return "Connection failed: the provider's answer could not be verified. Try again."
    case "insufficient_scope":
      return "Connection failed: not every permission Tradeport needs was granted. Try again and approve all of them."
    case "keys_not_received":
      return "Connection failed: the store did not send its API keys. Try again."
    case "session_mismatch":
      return "Connection failed: finish connecting in the browser where you started it, while logged in to Tradeport."
  }
}

/** PKCE: a 43-character verifier of unreserved characters and its S256 challenge. */
export const pkcePair = () => {
  const verifier = randomBytes(32).toString("base64url")
  return { verifier, challenge: createHash("sha256").update(verifier, "ascii").digest("base64url") }
}

export const newState = () => randomBytes(32).toString("base64url")

const bindingHash = (binding: string) => createHash("sha256").update(binding, "utf8").digest()

export interface BeginInput {
  readonly organizationId: OrgId
  readonly userId: UserId
  readonly provider: ProviderId
  readonly redirectUri: string
  readonly pkce: boolean
  readonly context?: Record<string, string> | undefined
}

export const begin = Effect.fn("OAuthFlow.begin")(function* (input: BeginInput) {
  const store = yield* OAuthStateStore
  const state = newState()
  const binding = newState()
  const pkce = input.pkce ? pkcePair() : undefined
  yield* store.put(
    state,
    new PendingAuthorization({
      organizationId: input.organizationId,
      userId: input.userId,
      provider: input.provider,
      redirectUri: input.redirectUri,
      codeVerifier: pkce?.verifier ?? null,
      browserBinding: bindingHash(binding).toString("hex"),
      context: input.context ?? {},
      createdAt: yield* Clock.currentTimeMillis
    }),
    STATE_TTL
  )
  return { state, codeChallenge: pkce?.challenge, binding }
})

export interface CallbackParams {
  /** The secret of the browser that started the flow (its cookie), when the flow is bound to one. */
  readonly binding?: string | undefined
  readonly state?: string | undefined
  readonly code?: string | undefined
  readonly error?: string | undefined
}

/**
 * Consumes the state first — even when the provider reports an error — so a callback URL can be used once only.
 * The state must belong to the provider whose callback received it.
 */
export const complete = Effect.fn("OAuthFlow.complete")(function* (provider: ProviderId, params: CallbackParams) {
  const pending = yield* consume(provider, params.state, params.binding)
  if (params.error !== undefined) {
    const code = /^[a-z_]{1,64}$/.test(params.error) ? params.error : "unknown"
    return yield* new OAuthFlowError({
      reason: code === "access_denied" ? "denied" : "provider_error",
      providerError: code
    })
  }
  if (params.code === undefined || params.code.length === 0 || params.code.length > 2048) {
    return yield* new OAuthFlowError({ reason: "provider_error", providerError: "missing_code" })
  }
  return { pending, code: params.code }
})

/**
 * Consumes a state, if the caller may: `binding` is the starting browser's secret, checked before the state is
 * spent (a refused caller leaves it for the rightful one); `"server-to-server"` skips that check for a callback no
 * browser makes (WooCommerce POSTs keys): the browser step that follows must then check `boundTo`.
 */
export const consume = Effect.fn("OAuthFlow.consume")(function* (
  provider: ProviderId,
  state: string | undefined,
  binding: string | undefined | "server-to-server"
) {
  const store = yield* OAuthStateStore
  if (state === undefined || state.length === 0 || state.length > 200) {
    return yield* new OAuthFlowError({ reason: "state_invalid" })
  }
  // The caller's proof is checked BEFORE the state is spent: a stranger who saw the state cannot cancel the flow.
  const attempt = yield* store.consumeIf(
    state,
    (pending) => pending.provider === provider && (binding === "server-to-server" || boundTo(pending, binding))
  )
  if (attempt._tag === "Missing") return yield* new OAuthFlowError({ reason: "state_invalid" })
  if (attempt._tag === "Refused") {
    const reason = attempt.pending.provider === provider ? "session_mismatch" : "state_invalid"
    return yield* new OAuthFlowError({ reason })
  }
  return attempt.pending
})

/** Whether the browser presenting `binding` is the one that started the flow (constant time). */
export const boundTo = (pending: PendingAuthorization, binding: string | undefined) => {
  if (pending.browserBinding === null) return true
  if (binding === undefined || binding.length === 0 || binding.length > 200) return false
  const expected = Buffer.from(pending.browserBinding, "hex")
  const given = bindingHash(binding)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/**
 * Remembers how a flow ended, under its (already consumed) state, for the browser step that follows a
 * server-to-server callback (WooCommerce's return URL): read once, gone after the state's lifetime.
 */
export const rememberOutcome = Effect.fn("OAuthFlow.rememberOutcome")(function* (
  state: string,
  pending: PendingAuthorization,
  outcome: Record<string, string>
) {
  const store = yield* OAuthStateStore
  yield* store.put(
    `outcome:${state}`,
    new PendingAuthorization({ ...pending, context: { ...pending.context, ...outcome } }),
    STATE_TTL
  )
})

export const takeOutcome = Effect.fn("OAuthFlow.takeOutcome")(function* (
  provider: ProviderId,
  state: string | undefined
) {
  const store = yield* OAuthStateStore
  if (state === undefined || state.length === 0 || state.length > 200) return Option.none<PendingAuthorization>()
  return Option.filter(yield* store.consume(`outcome:${state}`), (p) => p.provider === provider)
})
