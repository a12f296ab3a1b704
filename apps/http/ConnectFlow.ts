/**
 * The browser side of every connect flow: the consent redirect (or its URL as JSON) with the cookie that binds the
 * flow to the starting browser, reading that cookie back on the callback, and the console URL every outcome ends
 * on (a reason code and the message a person reads, never a raw provider error).
 */
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { ProviderId } from "../../core/connections/Connection.ts"
import * as OAuthFlow from "../../core/connections/OAuthFlow.ts"
import { PublicBaseUrl } from "../shared/Environment.ts"

export const consoleRedirect = (base: string, provider: ProviderId, outcome: { readonly reason?: OAuthFlow.OAuthFailure; readonly account?: string }) => {
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
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    return request.cookies[bindingCookie(provider)]
  })

/**
 * The consent screen: a redirect for a browser, the URL for a script asking for JSON — either way with the
 * browser-binding cookie (HttpOnly, SameSite=Lax so it comes back on the provider's top-level redirect).
 */
export const toConsent = (provider: ProviderId, authorizeUrl: string, binding: string) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const base = yield* PublicBaseUrl.pipe(Effect.orDie)
    const response = (request.headers["accept"] ?? "").includes("application/json")
      ? HttpServerResponse.jsonUnsafe({ authorizeUrl })
      : HttpServerResponse.redirect(authorizeUrl, { status: 302 })
    return response.pipe(HttpServerResponse.setCookieUnsafe(bindingCookie(provider), binding, {
      httpOnly: true,
      sameSite: "lax",
      path: "/api/v1/auth",
      maxAge: "10 minutes",
      secure: base.startsWith("https://")
    }))
  })

export const failed = (reason: OAuthFlow.OAuthFailure) => Effect.fail(new OAuthFlow.OAuthFlowError({ reason }))

