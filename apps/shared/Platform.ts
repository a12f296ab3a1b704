/**
 * Everything an app process stands on, as named sub-layers: infrastructure (Postgres, Redis), the persistence
 * adapters of the core ports and readiness; around them the production gate, the development secrets and
 * telemetry, which apply to the whole process.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Exit, Layer } from "effect"
import { FailureAnswersLive } from "../http/ErrorMapping.ts"
import { checkProduction, layerDevSecrets } from "./Environment.ts"
import { DatabaseLive, ReadinessLive, RedisLive, TelemetryLive, VaultLive } from "./Infrastructure.ts"
import { MailLive } from "./Mail.ts"
import { PersistenceLive } from "./Persistence.ts"
import { ProvidersLive } from "./Providers.ts"

const Infrastructure = (serviceName: string) =>
  Layer.mergeAll(DatabaseLive(serviceName), RedisLive, MailLive).pipe(
    Layer.provideMerge(VaultLive),
    Layer.provideMerge(ReadinessLive)
  )

/**
 * Everything use cases stand on. FailureAnswers (how a refusal is remembered under an Idempotency-Key) is the HTTP
 * edge's error mapping; it sits here, in every request's context from the start, so no request pays for providing it.
 */
export const Platform = (serviceName: string) =>
  ProvidersLive.pipe(
    Layer.provideMerge(PersistenceLive),
    Layer.provideMerge(Infrastructure(serviceName)),
    Layer.provideMerge(FailureAnswersLive)
  )

/** Wraps an app layer in the process-wide layers: telemetry outermost, then secrets, then the production gate. */
export const withProcess = <A, E, R>(serviceName: string, app: Layer.Layer<A, E, R>) =>
  app.pipe(
    Layer.provideMerge(Platform(serviceName)),
    Layer.provide(Layer.effectDiscard(checkProduction)),
    Layer.provide(layerDevSecrets),
    Layer.provide(TelemetryLive(serviceName))
  )

/**
 * Runs an app until SIGINT/SIGTERM; scopes close in reverse order, so the HTTP server drains first. A shutdown
 * asked for by a signal is a success (exit 0); a failure to start or a crash exits 1.
 */
export const run = <A, E>(serviceName: string, app: Layer.Layer<A, E, Layer.Success<ReturnType<typeof Platform>>>) =>
  Layer.launch(withProcess(serviceName, app)).pipe(
    NodeRuntime.runMain({
      teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
    })
  )
