/**
 * Bearer authentication for protected groups: verifies the access token, then re-reads the caller's membership so
 * the role in force is the one in the database now (a demoted or removed member loses their powers at once, not
 * when the token expires), and provides the caller as core's CurrentPrincipal. Every failure is the same 401
 * `invalid_token` (why it failed is logged, not told).
 */
import { Effect, Layer, Option } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { AccessTokens } from "../../core/identity/ports/AccessTokens.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { CurrentPrincipal, Principal } from "../../core/identity/Principal.ts"
import { storageUnavailable } from "./ErrorMapping.ts"
import { ServiceUnavailable, Unauthorized } from "./Problems.ts"

export class Authenticated extends HttpApiMiddleware.Service<
  Authenticated,
  {
    provides: CurrentPrincipal
    requires: never
  }
>()("tradeport/apps/http/Authenticated", {
  security: { bearer: HttpApiSecurity.bearer },
  error: [Unauthorized, ServiceUnavailable]
}) {}

export const AuthenticatedLive = Layer.effect(
  Authenticated,
  Effect.gen(function* () {
    const tokens = yield* AccessTokens
    const repository = yield* IdentityRepository
    const unauthorized = new Unauthorized({
      code: "invalid_token",
      detail: "Missing, invalid or expired access token."
    })
    return Authenticated.of({
      bearer: (httpEffect, { credential }) =>
        Effect.gen(function* () {
          const claimed = yield* tokens.verify(credential).pipe(
            Effect.tapError((e) =>
              Effect.logDebug("access token rejected").pipe(Effect.annotateLogs({ reason: e.reason }))
            ),
            Effect.mapError(() => unauthorized)
          )
          const member = yield* repository
            .member(claimed.organizationId, claimed.userId)
            .pipe(
              Effect.catchTag("PersistenceError", (e) =>
                e.reason === "Rejected" ? Effect.die(e) : Effect.succeed(undefined)
              )
            )
          if (member === undefined) return yield* storageUnavailable()
          if (Option.isNone(member)) return yield* unauthorized
          const principal = new Principal({ ...claimed, role: member.value.role })
          return yield* Effect.provideService(httpEffect, CurrentPrincipal, principal)
        })
    })
  })
)

/** The authenticated caller, inside handlers of groups behind `Authenticated`. */
export const caller = Effect.gen(function* () {
  return yield* CurrentPrincipal
})
