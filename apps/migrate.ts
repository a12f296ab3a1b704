/** `npm run migrate`: apply pending migrations to DATABASE_URL (or the embedded database) and exit. */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { checkProduction, layerDevSecrets } from "./shared/Environment.ts"
import { DatabaseLive, ReadinessLive, TelemetryLive } from "./shared/Infrastructure.ts"

const Migrate = DatabaseLive("tradeport-migrate", "always").pipe(
  Layer.provide(ReadinessLive),
  Layer.provide(Layer.effectDiscard(checkProduction)),
  Layer.provide(layerDevSecrets),
  Layer.provideMerge(TelemetryLive("tradeport-migrate"))
)

Effect.logInfo("migrations complete").pipe(Effect.provide(Migrate), NodeRuntime.runMain)
