/** Contract of the identity endpoints: sign-up, sessions (login, refresh, logout) and the caller's own identity. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Email, NewOrganizationName, OrganizationName, Password, Role } from "../../core/identity/Identity.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Authenticated } from "./Authentication.ts"
import { Conflict, NotFound, ServiceUnavailable, Unauthorized, Unprocessable } from "./Problems.ts"

export const RegisterPayload = Schema.Struct({
  organizationName: NewOrganizationName,
  email: Email,
  password: Password
})

export class Registered extends Schema.Class<Registered>("Registered")({
  organization: Schema.Struct({ id: OrgId, name: OrganizationName }),
  user: Schema.Struct({ id: UserId, email: Email }),
  role: Role
}) {}

/** Any string up to the KDF's bound: the rules for new passwords must not lock out existing ones. */
const PresentedPassword = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(256)))
const PresentedToken = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(512)))

export const LoginPayload = Schema.Struct({
  email: Email,
  password: PresentedPassword,
  organizationId: Schema.optionalKey(OrgId)
})

export const RefreshPayload = Schema.Struct({ refreshToken: PresentedToken })

export class TokenPair extends Schema.Class<TokenPair>("TokenPair")({
  tokenType: Schema.Literal("Bearer"),
  accessToken: Schema.String,
  expiresIn: Schema.Int,
  refreshToken: Schema.String,
  organizationId: OrgId,
  role: Role
}) {}

export class Me extends Schema.Class<Me>("Me")({
  user: Schema.Struct({ id: UserId, email: Email }),
  organization: Schema.Struct({ id: OrgId, name: OrganizationName }),
  role: Role
}) {}

export class AuthGroup extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("register", "/api/v1/auth/register", {
      payload: RegisterPayload,
      success: Registered.pipe(HttpApiSchema.status(201)),
      error: [Conflict, Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Create an organisation and its owner account. A password that breaks the policy (12 to 256 characters counted in code points, at least 4 different ones, no control characters, not a common password) is 422 weak_password."
    ),
    HttpApiEndpoint.post("login", "/api/v1/auth/login", {
      payload: LoginPayload,
      success: TokenPair,
      error: [Unauthorized, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Exchange email and password for an access token (15 min) and a refresh token. Wrong credentials and locked accounts get the same 401."
    ),
    HttpApiEndpoint.post("refresh", "/api/v1/auth/refresh", {
      payload: RefreshPayload,
      success: TokenPair,
      error: [Unauthorized, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Rotate a refresh token. Presenting an already-used token revokes the whole session."
    ),
    HttpApiEndpoint.post("logout", "/api/v1/auth/logout", {
      payload: RefreshPayload,
      success: HttpApiSchema.NoContent,
      error: ServiceUnavailable
    }).annotate(OpenApi.Description, "Revoke the session the refresh token belongs to. Always 204.")
  )
  .annotate(OpenApi.Description, "Sign-up and sessions") {}

export class MeGroup extends HttpApiGroup.make("me")
  .add(
    HttpApiEndpoint.get("me", "/api/v1/me", { success: Me, error: [NotFound, ServiceUnavailable] }).annotate(
      OpenApi.Description,
      "The caller, the organisation the token acts in, and the caller's role there."
    )
  )
  .middleware(Authenticated) {}
