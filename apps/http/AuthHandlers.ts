/** Identity handlers: decode → one use case → map domain errors to problems. */
import { Duration, Effect, Redacted } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as Authentication from "../../core/identity/Authentication.ts"
import * as Members from "../../core/identity/Members.ts"
import { CurrentPrincipal } from "../../core/identity/Principal.ts"
import * as Passwords from "../../core/identity/Passwords.ts"
import * as Registration from "../../core/identity/Registration.ts"
import { Api } from "./Api.ts"
import { Accepted, Me, TokenPair } from "./AuthApi.ts"
import { problems, storageProblems } from "./ErrorMapping.ts"

const toTokenPair = (pair: Effect.Success<ReturnType<typeof Authentication.login>>) =>
  new TokenPair({
    tokenType: "Bearer",
    accessToken: Redacted.value(pair.accessToken),
    expiresIn: Math.floor(Duration.toSeconds(pair.expiresIn)),
    refreshToken: Redacted.value(pair.refreshToken),
    organizationId: pair.principal.organizationId,
    role: pair.principal.role
  })

/** The same answer for every address: whether an email went out, and what it said, is for the address's owner. */
const emailSent = new Accepted({
  status: "email_sent",
  detail: "If the address can receive it, an email with the next step is on its way. Check your inbox."
})

export const AuthHandlers = HttpApiBuilder.group(Api, "auth", (handlers) =>
  handlers
    .handle("register", ({ payload }) =>
      Registration.register({
        organizationName: payload.organizationName,
        email: payload.email,
        password: Redacted.make(payload.password)
      }).pipe(
        Effect.as(emailSent),
        Effect.catchTags({
          WeakPassword: problems.WeakPassword,
          MailError: problems.MailError,
          PersistenceError: problems.PersistenceError
        })
      )
    )
    .handle("verifyEmail", ({ payload }) =>
      Registration.verifyEmail(payload.token).pipe(
        Effect.catchTags({
          InvalidAccountToken: problems.InvalidAccountToken,
          PersistenceError: problems.PersistenceError
        })
      )
    )
    .handle("resendVerification", ({ payload }) =>
      Registration.resendVerification(payload.email).pipe(Effect.as(emailSent))
    )
    .handle("forgotPassword", ({ payload }) => Passwords.requestReset(payload.email).pipe(Effect.as(emailSent)))
    .handle("resetPassword", ({ payload }) =>
      Passwords.resetPassword(payload.token, Redacted.make(payload.password)).pipe(
        Effect.catchTags({
          WeakPassword: problems.WeakPassword,
          InvalidAccountToken: problems.InvalidAccountToken,
          ...storageProblems
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
          ...storageProblems
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
  handlers
    .handle("changePassword", ({ payload }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        yield* Passwords.changePassword(principal, {
          current: Redacted.make(payload.currentPassword),
          next: Redacted.make(payload.newPassword)
        })
      }).pipe(
        Effect.catchTags({
          WeakPassword: problems.WeakPassword,
          WrongPassword: problems.WrongPassword,
          ...storageProblems
        })
      )
    )
    .handle("me", () =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const { member, organization } = yield* Members.me(principal)
        return new Me({
          user: { id: member.userId, email: member.email },
          organization: { id: organization.id, name: organization.name },
          role: member.role
        })
      }).pipe(
        Effect.catchTags({ MemberNotFound: problems.MemberNotFound, PersistenceError: problems.PersistenceError })
      )
    )
)
