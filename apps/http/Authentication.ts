/**
 * Bearer authentication for protected groups: one call into core's `authenticate` (the token verified, its session
 * not revoked, the membership re-read so the role in force is the one in the database now), and the caller provided
 * as core's CurrentPrincipal. Every refusal is the same 401 `invalid_token` (why is logged, not told); storage
 * trouble is a 503.
 */
import { Effect, Layer } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import * as Authentication from "../../core/identity/Authentication.ts"
import { CurrentPrincipal } from "../../core/identity/Principal.ts"
import type { CacheError, PersistenceError } from "../../core/shared/errors.ts"
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

/** A store that refuses the request outright is a bug; one that is down or slow is "try again". */
const storage = (e: PersistenceError | CacheError) =>
  e.reason === "Rejected" ? Effect.die(e) : Effect.fail(storageUnavailable())

export const AuthenticatedLive = Layer.effect(
  Authenticated,
  Effect.gen(function* () {
    const authenticate = yield* Authentication.authenticator
    const unauthorized = new Unauthorized({
      code: "invalid_token",
      detail: "Missing, invalid or expired access token."
    })
    return Authenticated.of({
      bearer: (httpEffect, { credential }) =>
        Effect.gen(function* () {
          const principal = yield* authenticate(credential).pipe(
            Effect.catchTags({
              InvalidAccessToken: (e) =>
                Effect.logDebug("access token rejected").pipe(
                  Effect.annotateLogs({ reason: e.reason }),
                  Effect.andThen(Effect.fail(unauthorized))
                ),
              PersistenceError: storage,
              CacheError: storage
            })
          )
          return yield* Effect.provideService(httpEffect, CurrentPrincipal, principal)
        })
    })
  })
)

/** The authenticated caller, inside handlers of groups behind `Authenticated`. */
export const caller = Effect.gen(function* () {
  return yield* CurrentPrincipal
})
