/**
 * The browser side of every connect flow: starting it (the consent redirect, or its URL as JSON, with the cookie
 * that binds the flow to the starting browser), reading that cookie back on the callback, and the console URL every
 * outcome ends on (a reason code and the message a person reads, never a raw provider error).
 */
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { ProviderId } from "../../core/connections/Connection.ts"
import * as Connect from "../../core/connections/Connect.ts"
import * as OAuthFlow from "../../core/connections/OAuthFlow.ts"
import { caller } from "./Authentication.ts"
import { problems } from "./ErrorMapping.ts"
import { Malformed } from "./WebhooksApi.ts"

export const consoleRedirect = (
  base: string,
  provider: ProviderId,
  outcome: { readonly reason?: OAuthFlow.OAuthFailure; readonly account?: string }
) => {
  const query = new URLSearchParams({ provider })
  if (outcome.reason === undefined) {
    query.set("outcome", "connected")
    if (outcome.account !== undefined) query.set("account", outcome.account)
  } else {
    query.set("outcome", "error")
    query.set("reason", outcome.reason)
    query.set("message", OAuthFlow.userMessage(new OAuthFlow.OAuthFlowError({ reason: outcome.reason })))
  }
  return HttpServerResponse.redirect(`${base}/console/connections?${query.toString()}`, { status: 303 })
}

/** The cookie binding a connect flow to the browser that started it (see OAuthFlow's browserBinding). */
export const bindingCookie = (provider: ProviderId) => `tp_oauth_${provider}`

export const browserBinding = (provider: ProviderId) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    return request.cookies[bindingCookie(provider)]
  })

/**
 * Starts a connect flow: a redirect to the consent screen for a browser, the URL for a script asking for JSON —
 * either way with the browser-binding cookie (HttpOnly, SameSite=Lax so it comes back on the provider's top-level
 * redirect).
 */
export const startConnect = (provider: ProviderId, params: Connect.Query) =>
  Effect.gen(function* () {
    const { authorizeUrl, binding } = yield* Connect.start(yield* caller, provider, params)
    const request = yield* HttpServerRequest.HttpServerRequest
    const { base } = yield* Connect.ConnectUrls
    const response = (request.headers["accept"] ?? "").includes("application/json")
      ? HttpServerResponse.jsonUnsafe({ authorizeUrl })
      : HttpServerResponse.redirect(authorizeUrl, { status: 302 })
    return response.pipe(
      HttpServerResponse.setCookieUnsafe(bindingCookie(provider), binding, {
        httpOnly: true,
        sameSite: "lax",
        path: "/api/v1/auth",
        maxAge: "10 minutes",
        secure: base.startsWith("https://")
      })
    )
  }).pipe(
    Effect.catchTags({
      InsufficientRole: problems.InsufficientRole,
      CacheError: problems.CacheError,
      ProviderLookupError: problems.ProviderLookupError,
      ConnectRefused: (e) => Effect.fail(new Malformed({ code: e.code, detail: e.detail }))
    })
  )

/** The query of the request being handled, as name/value pairs in order (repeated names kept). */
export const queryPairs = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  return [...new URL(request.url, "http://callback").searchParams.entries()]
})

/** Every end of a flow in the browser is a redirect to the console: connected, or the reason it was not. */
export const endInConsole = <E extends { readonly _tag: string }, R>(
  provider: ProviderId,
  outcome: Effect.Effect<string, E, R>
) =>
  Effect.gen(function* () {
    const { base } = yield* Connect.ConnectUrls
    return yield* outcome.pipe(
      Effect.map((account) => consoleRedirect(base, provider, { account })),
      Effect.catch((e) =>
        e instanceof OAuthFlow.OAuthFlowError
          ? Effect.logWarning("connect refused").pipe(
              Effect.annotateLogs({ provider, reason: e.reason, providerError: e.providerError ?? null }),
              Effect.as(consoleRedirect(base, provider, { reason: e.reason }))
            )
          : Effect.logWarning("connect failed").pipe(
              Effect.annotateLogs({ provider, error: e._tag }),
              Effect.as(consoleRedirect(base, provider, { reason: "provider_error" }))
            )
      )
    )
  })

/** A browser callback carrying an authorization code. */
export const codeCallback = (provider: ProviderId) =>
  endInConsole(
    provider,
    Effect.gen(function* () {
      return yield* Connect.callback(provider, { query: yield* queryPairs, binding: yield* browserBinding(provider) })
    })
  )
