/**
 * Browser sessions for the console: the refresh token lives in an HttpOnly, SameSite=Strict cookie scoped to these
 * endpoints (never readable by scripts, never in localStorage); the access token is returned in the body and kept
 * in memory by the page. Refresh and logout also require the `X-Tradeport-CSRF: 1` header, which a cross-site form
 * cannot send and a cross-origin script cannot send without CORS.
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Role } from "../../core/identity/Identity.ts"
import { LoginPayload } from "./AuthApi.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { ServiceUnavailable, Unauthorized } from "./Problems.ts"

export class BrowserSession extends Schema.Class<BrowserSession>("BrowserSession")({
  accessToken: Schema.String,
  expiresIn: Schema.Int,
  organizationId: OrgId,
  role: Role
}) {}

const Csrf = { "x-tradeport-csrf": Schema.Literal("1") }

export class SessionGroup extends HttpApiGroup.make("session")
  .add(
    HttpApiEndpoint.post("start", "/api/v1/auth/session", {
      payload: LoginPayload,
      success: BrowserSession,
      error: [Unauthorized, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Console login: the access token in the body, the refresh token in the HttpOnly `tp_session` cookie."
    ),
    HttpApiEndpoint.post("renew", "/api/v1/auth/session/refresh", {
      headers: Csrf,
      success: BrowserSession,
      error: [Unauthorized, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Rotates the cookie's refresh token (reuse detection applies) and returns a new access token."
    ),
    HttpApiEndpoint.delete("end", "/api/v1/auth/session", {
      headers: Csrf,
      success: HttpApiSchema.NoContent,
      error: ServiceUnavailable
    }).annotate(OpenApi.Description, "Console logout: revokes the session and clears the cookie.")
  )
  .annotate(OpenApi.Description, "Console sessions (cookie-held refresh token)") {}
