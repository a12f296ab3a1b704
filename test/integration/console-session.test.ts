/**
 * Console sessions: the refresh token only ever travels in an HttpOnly, SameSite=Strict cookie scoped to the
 * session endpoints; refresh and logout need the CSRF header; a rotated cookie presented again kills the session;
 * the console page is served with a strict Content-Security-Policy.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { call, json, signUpAndLogin, PASSWORD } from "../support/Api.ts"
import { cookieFrom } from "../support/Browser.ts"
import { testApp } from "../support/TestApp.ts"

const renew = (cookie: string | undefined, csrf = true) => {
  let request = HttpClientRequest.post("/api/v1/auth/session/refresh")
  if (cookie !== undefined) request = HttpClientRequest.setHeader(request, "cookie", cookie)
  if (csrf) request = HttpClientRequest.setHeader(request, "x-tradeport-csrf", "1")
  return HttpClient.execute(request)
}

describe("console sessions", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 30_000 })("cookie-held refresh tokens", (it) => {
    it.effect(
      "login sets an HttpOnly SameSite=Strict cookie; refresh needs the CSRF header, rotates it, and a replayed cookie kills the session",
      () =>
        Effect.gen(function* () {
          yield* signUpAndLogin("console-session@example.com", "Session Co")
          const login = yield* call("POST", "/api/v1/auth/session", {
            body: { email: "console-session@example.com", password: PASSWORD }
          })
          assert.strictEqual(login.status, 200)
          const body = yield* json(login)
          assert.isString(body["accessToken"])
          assert.isUndefined(body["refreshToken"], "the refresh token is not in the body")
          const setCookie = login.headers["set-cookie"] ?? ""
          assert.match(setCookie, /tp_session=/)
          assert.match(setCookie, /HttpOnly/i)
          assert.match(setCookie, /SameSite=Strict/i)
          assert.match(setCookie, /Path=\/api\/v1\/auth\/session/)
          const first = cookieFrom(login.headers, "tp_session")

          assert.strictEqual((yield* renew(first, false)).status, 400, "no CSRF header, no refresh")
          const renewed = yield* renew(first)
          assert.strictEqual(renewed.status, 200)
          const second = cookieFrom(renewed.headers, "tp_session")
          assert.notStrictEqual(second, first)
          const me = yield* call("GET", "/api/v1/me", { token: String((yield* json(renewed))["accessToken"]) })
          assert.strictEqual(me.status, 200)

          // The first cookie again (stolen and replayed): refused, and the whole session with it.
          assert.strictEqual((yield* renew(first)).status, 401)
          assert.strictEqual((yield* renew(second)).status, 401)
          assert.strictEqual((yield* renew(undefined)).status, 401)
        })
    )

    it.effect("the console is served with a strict CSP; unknown assets are 404", () =>
      Effect.gen(function* () {
        const page = yield* HttpClient.execute(HttpClientRequest.get("/console/tokens"))
        assert.strictEqual(page.status, 200)
        assert.match(page.headers["content-security-policy"] ?? "", /script-src 'self'; style-src 'self'/)
        assert.match(page.headers["content-type"] ?? "", /text\/html/)
        assert.include(yield* page.text, "/console/assets/app.js")
        const script = yield* HttpClient.execute(HttpClientRequest.get("/console/assets/app.js"))
        assert.match(script.headers["content-type"] ?? "", /javascript/)
        assert.strictEqual(
          (yield* HttpClient.execute(HttpClientRequest.get("/console/assets/../../package.json"))).status,
          404
        )
        assert.strictEqual((yield* HttpClient.execute(HttpClientRequest.get("/console/assets/nope.js"))).status, 404)
      })
    )
  })
})
