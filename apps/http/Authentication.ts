/**
 * Bearer authentication for protected groups: verifies the access token and provides the caller as core's
 * CurrentPrincipal. Every failure is the same 401 `invalid_token` (why it failed is logged, not told).
 */
import { Effect, Layer } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { AccessTokens } from "../../core/identity/ports/AccessTokens.ts"
import { CurrentPrincipal } from "../../core/identity/Principal.ts"
import { Unauthorized } from "./Problems.ts"

export class Authenticated extends HttpApiMiddleware.Service<Authenticated, {
  provides: CurrentPrincipal
  requires: never
}>()("tradeport/apps/http/Authenticated", {
  security: { bearer: HttpApiSecurity.bearer },
  error: Unauthorized
}) {}

export const AuthenticatedLive = Layer.effect(
  Authenticated,
  Effect.gen(function*() {
    const tokens = yield* AccessTokens
    return Authenticated.of({
      bearer: (httpEffect, { credential }) =>
        tokens.verify(credential).pipe(
          Effect.tapError((e) => Effect.logDebug("access token rejected").pipe(Effect.annotateLogs({ reason: e.reason }))),
          Effect.mapError(() => new Unauthorized({ code: "invalid_token", detail: "Missing, invalid or expired access token." })),
          Effect.flatMap((principal) => Effect.provideService(httpEffect, CurrentPrincipal, principal))
        )
    })
  })
)
