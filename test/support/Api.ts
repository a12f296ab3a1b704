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

/** Signs up an organisation and logs its owner in. */
export const signUpAndLogin = (email: string, organizationName = "Acme") =>
  Effect.gen(function* () {
    const response = yield* call("POST", "/api/v1/auth/register", {
      body: { organizationName, email, password: PASSWORD }
    })
    if (response.status !== 201) return yield* Effect.die(new Error(`register ${email}: ${response.status}`))
    const registered = yield* json(response)
    const session = yield* login(email)
    return { ...session, userId: String((registered["user"] as Record<string, unknown>)["id"]) }
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
