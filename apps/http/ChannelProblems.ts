/** How failures of a channel call (provider, token, storage) become problems at the HTTP edge. */
import { Effect } from "effect"
import type { ProviderError } from "../../core/providers/ProviderError.ts"
import type { TokenUnavailable } from "../../core/connections/ConnectionTokens.ts"
import type { DecryptionFailed } from "../../core/connections/ports/CredentialVault.ts"
import type { LockTimeout } from "../../core/connections/ports/DistributedLock.ts"
import type { TokenStillRejected } from "../../core/connections/TokenManager.ts"
import { persistenceProblem } from "./ErrorMapping.ts"
import { BadGateway, Conflict, ServiceUnavailable } from "./Problems.ts"

export const providerProblem = (e: ProviderError) => {
  switch (e.reason) {
    case "RateLimited":
    case "CircuitOpen":
    case "Timeout":
    case "Unavailable":
      return Effect.fail(new ServiceUnavailable({
        code: e.reason === "CircuitOpen" ? "provider_circuit_open" : "provider_unavailable",
        retryAfterSeconds: Math.max(1, Math.ceil(e.retryAfterSeconds ?? 30)),
        detail: `${e.provider} is not answering normally; retry later.`
      }))
    default:
      return Effect.fail(new BadGateway({ code: "provider_rejected", detail: `${e.provider} refused the request (${e.reason}).` }))
  }
}

/** For `Effect.catchTags`: every failure a channel call can end in. */
export const channelProblems = {
  ProviderError: providerProblem,
  TokenUnavailable: (e: TokenUnavailable) =>
    e.reason === "transient"
      ? Effect.fail(new ServiceUnavailable({ code: "token_unavailable", retryAfterSeconds: 30, detail: "The provider token could not be refreshed; retry later." }))
      : Effect.fail(new Conflict({ code: e.reason === "needs_reauth" ? "needs_reauth" : "connection_disconnected", detail: "The connection must be re-authorised." })),
  TokenStillRejected: (_: TokenStillRejected) =>
    Effect.fail(new BadGateway({ code: "provider_refused_token", detail: "The provider refused a freshly refreshed token." })),
  LockTimeout: (_: LockTimeout) =>
    Effect.fail(new ServiceUnavailable({ code: "token_busy", retryAfterSeconds: 5, detail: "The token is being refreshed; retry shortly." })),
  DecryptionFailed: (e: DecryptionFailed) => Effect.die(e),
  PersistenceError: persistenceProblem
} as const
