/** Identity handlers: decode → one use case → map domain errors to problems. */
import { Effect, Redacted } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { register } from "../../core/identity/Registration.ts"
import { Api } from "./Api.ts"
import { Registered } from "./AuthApi.ts"
import { Conflict } from "./Problems.ts"
import { persistenceProblem } from "./ErrorMapping.ts"

export const AuthHandlers = HttpApiBuilder.group(
  Api,
  "auth",
  Effect.fn(function*(handlers) {
    return handlers.handle("register", ({ payload }) =>
      register({
        organizationName: payload.organizationName,
        email: payload.email,
        password: Redacted.make(payload.password)
      }).pipe(
        Effect.map(({ organization, user, membership }) =>
          new Registered({
            organization: { id: organization.id, name: organization.name },
            user: { id: user.id, email: user.email },
            role: membership.role
          })
        ),
        Effect.catchTags({
          EmailTaken: () => Effect.fail(new Conflict({ code: "email_taken", detail: "An account with this email already exists." })),
          PersistenceError: persistenceProblem
        })
      ))
  })
)
