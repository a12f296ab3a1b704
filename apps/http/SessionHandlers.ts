/** Console sessions: the identity use cases, with the refresh token moved from the body into an HttpOnly cookie. */
import { Duration, Effect, Redacted, Schema } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import * as Authentication from "../../core/identity/Authentication.ts"
import { REFRESH_TOKEN_TTL } from "../../core/identity/Sessions.ts"
import { PublicBaseUrl } from "../shared/Environment.ts"
import { Api } from "./Api.ts"
import { problems, storageProblems } from "./ErrorMapping.ts"
import { BrowserSession } from "./SessionApi.ts"

const COOKIE = "tp_session"
const PATH = "/api/v1/auth/session"

const withCookie = (pair: Effect.Success<ReturnType<typeof Authentication.login>>) =>
  Effect.gen(function* () {
    const base = yield* PublicBaseUrl.pipe(Effect.orDie)
    const body = new BrowserSession({
      accessToken: Redacted.value(pair.accessToken),
      expiresIn: Math.floor(Duration.toSeconds(pair.expiresIn)),
      organizationId: pair.principal.organizationId,
      role: pair.principal.role
    })
    return HttpServerResponse.jsonUnsafe(yield* encode(body)).pipe(
      HttpServerResponse.setCookieUnsafe(COOKIE, Redacted.value(pair.refreshToken), {
        httpOnly: true,
        sameSite: "strict",
        path: PATH,
        maxAge: REFRESH_TOKEN_TTL,
        secure: base.startsWith("https://")
      })
    )
  })

const encode = (session: BrowserSession) => Schema.encodeEffect(BrowserSession)(session).pipe(Effect.orDie)

const cleared = HttpServerResponse.empty({ status: 204 }).pipe(
  HttpServerResponse.expireCookieUnsafe(COOKIE, { path: PATH })
)

const presented = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  return request.cookies[COOKIE]
})

export const SessionHandlers = HttpApiBuilder.group(Api, "session", (handlers) =>
  handlers
    .handle("start", ({ payload }) =>
      Authentication.login({
        email: payload.email,
        password: Redacted.make(payload.password),
        organizationId: payload.organizationId
      }).pipe(
        Effect.flatMap(withCookie),
        Effect.catchTags({
          InvalidCredentials: problems.InvalidCredentials,
          ...storageProblems
        })
      )
    )
    .handle("renew", () =>
      Effect.gen(function* () {
        const token = yield* presented
        if (token === undefined || token.length === 0 || token.length > 512)
          return yield* problems.InvalidRefreshToken()
        return yield* withCookie(yield* Authentication.refresh(Redacted.make(token)))
      }).pipe(
        Effect.catchTags({
          InvalidRefreshToken: problems.InvalidRefreshToken,
          PersistenceError: problems.PersistenceError
        })
      )
    )
    .handle("end", () =>
      Effect.gen(function* () {
        const token = yield* presented
        if (token !== undefined && token.length > 0 && token.length <= 512)
          yield* Authentication.logout(Redacted.make(token))
        return cleared
      }).pipe(Effect.catchTags({ PersistenceError: problems.PersistenceError }))
    )
)
