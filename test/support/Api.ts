/** Small HTTP helpers for end-to-end tests that speak to the API as a client would. */
import { Effect } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"

export const json = (response: HttpClientResponse.HttpClientResponse) =>
  response.json.pipe(
    Effect.map((body) => body as Record<string, unknown>),
    Effect.orElseSucceed(() => ({}) as Record<string, unknown>)
  )

export const call = (
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  options: { readonly body?: unknown; readonly token?: string } = {}
) => {
  let request = HttpClientRequest.make(method)(path)
  if (options.body !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, options.body)
  if (options.token !== undefined) request = HttpClientRequest.bearerToken(request, options.token)
  return HttpClient.execute(request)
}

export interface Session {
  readonly accessToken: string
  readonly refreshToken: string
  readonly organizationId: string
  readonly userId: string
}

export const PASSWORD = "correct horse battery staple"

/**
 * The one-time token of the newest email to `email` whose subject matches, read from the app's development mailbox
 * (GET /dev/mailbox: the loopback SMTP capture the test app starts when no SMTP server is configured).
 */
export const mailedToken = (email: string, subject: RegExp) =>
  Effect.gen(function* () {
    const response = yield* call("GET", `/dev/mailbox?to=${encodeURIComponent(email)}`)
    const body = yield* json(response)
    const messages = Array.isArray(body["messages"]) ? body["messages"] : []
    for (const message of messages) {
      if (typeof message !== "object" || message === null) continue
      const subjectOf = "subject" in message ? String(message.subject) : ""
      const text = "text" in message ? String(message.text) : ""
      const token = /#token=([A-Za-z0-9_.%-]+)/.exec(text)?.[1]
      if (subject.test(subjectOf) && token !== undefined) return decodeURIComponent(token)
    }
    return yield* Effect.die(new Error(`no "${subject.source}" email to ${email}`))
  })

/** Signs up an organisation, follows the emailed verification link and logs its owner in. */
export const signUpAndLogin = (email: string, organizationName = "Acme") =>
  Effect.gen(function* () {
    const response = yield* call("POST", "/api/v1/auth/register", {
      body: { organizationName, email, password: PASSWORD }
    })
    if (response.status !== 202) return yield* Effect.die(new Error(`register ${email}: ${response.status}`))
    const token = yield* mailedToken(email, /Confirm your email/)
    const verified = yield* call("POST", "/api/v1/auth/verify", { body: { token } })
    if (verified.status !== 204) return yield* Effect.die(new Error(`verify ${email}: ${verified.status}`))
    const session = yield* login(email)
    const me = yield* call("GET", "/api/v1/me", { token: session.accessToken }).pipe(Effect.flatMap(json))
    return { ...session, userId: String((me["user"] as Record<string, unknown>)["id"]) }
  })

export const login = (email: string, password = PASSWORD) =>
  call("POST", "/api/v1/auth/login", { body: { email, password } }).pipe(
    Effect.flatMap((r) => (r.status === 200 ? json(r) : Effect.die(new Error(`login ${email}: ${r.status}`)))),
    Effect.map((b) => ({
      accessToken: String(b["accessToken"]),
      refreshToken: String(b["refreshToken"]),
      organizationId: String(b["organizationId"]),
      userId: ""
    }))
  )

/** As a browser's fetch with `redirect: "manual"`: the test sees a 302/303 and its Location instead of following it. */
export const withoutRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, FetchHttpClient.RequestInit, { keepalive: false, redirect: "manual" })
