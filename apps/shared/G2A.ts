/**
 * G2A in the apps: the client when G2A_API_KEY is set (settings validated at startup, every problem named at
 * once), otherwise a client that answers "not configured". Registers the `g2a` readiness probe (a token fetch
 * through the cache: up, degraded when G2A or its credentials fail, disabled when not configured). In production
 * (G2A_VERIFY_ON_START), credentials G2A refuses stop the process at startup; an unreachable G2A only degrades
 * readiness.
 */
import { Config, Duration, Effect, Layer, Option } from "effect"
import { disabled, G2AClient, PROBE_TIMEOUT } from "../../adapters/providers/g2a/G2AClient.ts"
import * as G2AConfig from "../../adapters/providers/g2a/G2AConfig.ts"
import { Readiness } from "../../core/ops/Readiness.ts"
import { AppEnv, StartupError } from "./Environment.ts"

const probe = (enabled: boolean) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const readiness = yield* Readiness
      const client = yield* G2AClient
      yield* readiness.register({
        name: "g2a",
        critical: false,
        check: enabled
          ? client.token.pipe(
              Effect.timeout(PROBE_TIMEOUT),
              Effect.match({
                onSuccess: () => ({ status: "up" as const, detail: `token ok (${client.settings.env})` }),
                onFailure: (e) => ({
                  status: "degraded" as const,
                  detail: e._tag === "G2AError" ? `token: ${e.kind}` : "token: timed out"
                })
              })
            )
          : Effect.succeed({ status: "disabled" as const, detail: "G2A_API_KEY not set" })
      })
    })
  )

/**
 * Credentials G2A refuses are a startup error, not a surprise at the first order: in production by default
 * (`G2A_VERIFY_ON_START`, default true in production, false elsewhere, where readiness reports it).
 */
const verifyCredentials = Layer.effectDiscard(
  Effect.gen(function* () {
    const production = (yield* AppEnv) === "production"
    if (!(yield* Config.Boolean("G2A_VERIFY_ON_START").pipe(Config.withDefault(production)))) return
    const client = yield* G2AClient
    yield* client.token.pipe(
      Effect.timeout(Duration.seconds(30)),
      Effect.catch((e) =>
        e._tag === "G2AError" && e.kind === "auth"
          ? Effect.fail(
              new StartupError({ problems: ["G2A refused the credentials (G2A_API_KEY / G2A_API_HASH / G2A_ENV)"] })
            )
          : Effect.logWarning("G2A token check failed at startup; readiness reports it").pipe(
              Effect.annotateLogs({ reason: e._tag === "G2AError" ? e.kind : "timeout" })
            )
      )
    )
  })
)

export const G2ALive = Layer.unwrap(
  Effect.gen(function* () {
    const { problems, settings } = yield* G2AConfig.load(yield* AppEnv)
    if (problems.length > 0) return yield* new StartupError({ problems })
    if (Option.isNone(settings)) return Layer.mergeAll(probe(false)).pipe(Layer.provideMerge(disabled))
    yield* Effect.logInfo("G2A enabled").pipe(
      Effect.annotateLogs({
        env: settings.value.env,
        importUrl: settings.value.importUrl,
        exportUrl: settings.value.exportUrl
      })
    )
    return Layer.mergeAll(probe(true), verifyCredentials).pipe(Layer.provideMerge(G2AClient.layer(settings.value)))
  })
)
