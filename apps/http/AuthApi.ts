/** Contract of the identity endpoints (sign-up now; login, refresh and logout with the identity work). */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Email, OrganizationName, Password, Role } from "../../core/identity/Identity.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Conflict, ServiceUnavailable } from "./Problems.ts"

export const RegisterPayload = Schema.Struct({
  organizationName: OrganizationName,
  email: Email,
  password: Password
})

export class Registered extends Schema.Class<Registered>("Registered")({
  organization: Schema.Struct({ id: OrgId, name: OrganizationName }),
  user: Schema.Struct({ id: UserId, email: Email }),
  role: Role
}) {}

export class AuthGroup extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("register", "/api/v1/auth/register", {
      payload: RegisterPayload,
      success: Registered.pipe(HttpApiSchema.status(201)),
      error: [Conflict, ServiceUnavailable]
    }).annotate(OpenApi.Description, "Create an organisation and its owner account.")
  )
  .annotate(OpenApi.Description, "Sign-up and sessions")
{}
