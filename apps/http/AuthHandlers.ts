/** Identity handlers: decode → one use case → map domain errors to problems. */
import { Duration, Effect, Redacted } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as Authentication from "../../core/identity/Authentication.ts"
import * as Members from "../../core/identity/Members.ts"
import { CurrentPrincipal } from "../../core/identity/Principal.ts"
import { register } from "../../core/identity/Registration.ts"
import { Api } from "./Api.ts"
import { Me, Registered, TokenPair } from "./AuthApi.ts"
import { problems } from "./ErrorMapping.ts"

const toTokenPair = (pair: Effect.Success<ReturnType<typeof Authentication.login>>) =>
  new TokenPair({
    tokenType: "Bearer",
    accessToken: Redacted.value(pair.accessToken),
    expiresIn: Math.floor(Duration.toSeconds(pair.expiresIn)),
    refreshToken: Redacted.value(pair.refreshToken),
    organizationId: pair.principal.organizationId,
    role: pair.principal.role
  })

export const AuthHandlers = HttpApiBuilder.group(Api, "auth", (handlers) =>
  handlers
    .handle("register", ({ payload }) =>
      register({
        organizationName: payload.organizationName,
        email: payload.email,
        password: Redacted.make(payload.password)
      }).pipe(
        Effect.map(
          ({ organization, user, membership }) =>
            new Registered({
              organization: { id: organization.id, name: organization.name },
              user: { id: user.id, email: user.email },
              role: membership.role
            })
        ),
        Effect.catchTags({
          WeakPassword: problems.WeakPassword,
          EmailTaken: problems.EmailTaken,
          PersistenceError: problems.PersistenceError
        })
      )
    )
    .handle("login", ({ payload }) =>
      Authentication.login({
        email: payload.email,
        password: Redacted.make(payload.password),
        organizationId: payload.organizationId
      }).pipe(
        Effect.map(toTokenPair),
        Effect.catchTags({
          InvalidCredentials: problems.InvalidCredentials,
          PersistenceError: problems.PersistenceError,
          CacheError: problems.CacheError
        })
      )
    )
    .handle("refresh", ({ payload }) =>
      Authentication.refresh(Redacted.make(payload.refreshToken)).pipe(
        Effect.map(toTokenPair),
        Effect.catchTags({
          InvalidRefreshToken: problems.InvalidRefreshToken,
          PersistenceError: problems.PersistenceError
        })
      )
    )
    .handle("logout", ({ payload }) =>
      Authentication.logout(Redacted.make(payload.refreshToken)).pipe(
        Effect.catchTags({ PersistenceError: problems.PersistenceError })
      )
    )
)

export const MeHandlers = HttpApiBuilder.group(Api, "me", (handlers) =>
  handlers.handle("me", () =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const { member, organization } = yield* Members.me(principal)
      return new Me({
        user: { id: member.userId, email: member.email },
        organization: { id: organization.id, name: organization.name },
        role: member.role
      })
    }).pipe(Effect.catchTags({ MemberNotFound: problems.MemberNotFound, PersistenceError: problems.PersistenceError }))
  )
)
