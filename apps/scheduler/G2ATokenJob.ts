/**
 * Keeps the G2A Import API token fresh: each run asks for the token, which the TokenManager refreshes when less
 * than 5 minutes remain (single-flight across instances), so requests never wait for a token fetch. A deployment
 * without G2A skips it.
 */
import { Config, Duration, Effect } from "effect"
import { G2AClient } from "../../adapters/providers/g2a/G2AClient.ts"
import type { Job } from "./JobRunner.ts"

export const G2ATokenInterval = Config.Duration("JOB_REFRESH_G2A_TOKEN_EVERY").pipe(
  Config.withDefault(Duration.minutes(1))
)

export const refreshG2ATokenJob = (every: Duration.Duration): Job<G2AClient> => ({
  name: "refresh-g2a-token",
  every,
  timeout: Duration.seconds(60),
  run: Effect.gen(function* () {
    const client = yield* G2AClient
    yield* client.token.pipe(
      Effect.asVoid,
      Effect.catchIf(
        (e) => e.kind === "not_configured",
        () => Effect.void
      ),
      Effect.mapError((e) => new Error(`G2A token: ${e.kind}`))
    )
  })
})
