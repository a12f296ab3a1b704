/**
 * Contract of the identity endpoints: sign-up with email verification, password reset, sessions (login, refresh,
 * logout), the caller's own identity and password change.
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Email, NewOrganizationName, OrganizationName, Password, Role } from "../../core/identity/Identity.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Authenticated } from "./Authentication.ts"
import { Forbidden, NotFound, ServiceUnavailable, Unauthorized, Unprocessable } from "./Problems.ts"

export const RegisterPayload = Schema.Struct({
  organizationName: NewOrganizationName,
  email: Email,
  password: Password
})

/** The one answer to a sign-up, a reset request or a resend: the same whether or not the address has an account. */
export class Accepted extends Schema.Class<Accepted>("Accepted")({
  status: Schema.Literal("email_sent"),
  detail: Schema.String
}) {}

const AccountToken = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(128)))
export const TokenPayload = Schema.Struct({ token: AccountToken })
export const EmailPayload = Schema.Struct({ email: Email })
export const ResetPayload = Schema.Struct({ token: AccountToken, password: Password })

/** Any string up to the KDF's bound: the rules for new passwords must not lock out existing ones. */
const PresentedPassword = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(256)))
const PresentedToken = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(512)))

export const LoginPayload = Schema.Struct({
  email: Email,
  password: PresentedPassword,
  organizationId: Schema.optionalKey(OrgId)
})

export const ChangePasswordPayload = Schema.Struct({ currentPassword: PresentedPassword, newPassword: Password })

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
      success: Accepted.pipe(HttpApiSchema.status(202)),
      error: [Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Sign up: always 202 `email_sent`, whether or not the address has an account (no enumeration). No account is created yet: a new address gets a confirmation link (24 h, single use) and the organisation and owner are created when it is followed; an address that has an account gets an email saying so (an account never confirmed: a link to choose a new password) and nothing changes. At most 5 confirmation emails an hour go to one address; past that nothing is sent and the answer is the same. A password that breaks the policy (12 to 256 characters counted in code points, at least 4 different ones, no control characters, not a common password) is 422 weak_password; 503 mail_unavailable when the email could not be handed to the mail server."
    ),
    HttpApiEndpoint.post("verifyEmail", "/api/v1/auth/verify", {
      payload: TokenPayload,
      success: HttpApiSchema.NoContent,
      error: [Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Confirm a sign-up with the token of the emailed link: the organisation and its owner are created now. Unknown, expired, already used and superseded tokens are all 422 invalid_token."
    ),
    HttpApiEndpoint.post("resendVerification", "/api/v1/auth/verify/resend", {
      payload: EmailPayload,
      success: Accepted.pipe(HttpApiSchema.status(202)),
      error: ServiceUnavailable
    }).annotate(
      OpenApi.Description,
      "Send a fresh link for a pending sign-up (or a new-password link to an account never confirmed). Always 202 `email_sent` (nothing is sent to unknown or confirmed addresses, nor past 5 an hour to one address)."
    ),
    HttpApiEndpoint.post("forgotPassword", "/api/v1/auth/password/forgot", {
      payload: EmailPayload,
      success: Accepted.pipe(HttpApiSchema.status(202)),
      error: ServiceUnavailable
    }).annotate(
      OpenApi.Description,
      "Ask for a password reset link (30 min, single use). Always 202 `email_sent`, whether or not the address has an account (at most 5 links an hour go to one address)."
    ),
    HttpApiEndpoint.post("resetPassword", "/api/v1/auth/password/reset", {
      payload: ResetPayload,
      success: HttpApiSchema.NoContent,
      error: [Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Set a new password with the token of the emailed link; every session of the account is revoked. 422 weak_password (the link stays usable) or invalid_token (unknown, expired or used)."
    ),
    HttpApiEndpoint.post("login", "/api/v1/auth/login", {
      payload: LoginPayload,
      success: TokenPair,
      error: [Unauthorized, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Exchange email and password for an access token (15 min) and a refresh token. Wrong credentials, locked accounts and addresses without a confirmed account (a sign-up whose link was not followed) all get the same 401."
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
    ),
    HttpApiEndpoint.post("changePassword", "/api/v1/me/password", {
      payload: ChangePasswordPayload,
      success: HttpApiSchema.NoContent,
      error: [Forbidden, Unprocessable, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Change the caller's password: the current one is required (403 wrong_password; wrong guesses count towards the account's lockout), the new one must meet the policy (422 weak_password). The account's other sessions are revoked; this one stays."
    )
  )
  .middleware(Authenticated) {}
