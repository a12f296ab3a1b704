/**
 * `npm run keys:rotate`: re-seal every stored credential under the active key (ENCRYPTION_ACTIVE_KEY, or the first
 * of ENCRYPTION_KEYS). Run it after adding a new key; remove the old key from ENCRYPTION_KEYS only after it
 * reports 0 failures. Safe to run while the app serves traffic, and to run again.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as AesGcmVault from "../adapters/crypto/AesGcmVault.ts"
import * as PgConnectionRepository from "../adapters/postgres/PgConnectionRepository.ts"
import { rotateAll } from "../core/connections/KeyRotation.ts"
import { checkProduction, layerDevSecrets } from "./shared/Environment.ts"
import { DatabaseLive, ReadinessLive, TelemetryLive } from "./shared/Infrastructure.ts"

const Rotation = Layer.mergeAll(PgConnectionRepository.layer, AesGcmVault.layerConfig).pipe(
  Layer.provide(DatabaseLive("tradeport-keys-rotate")),
  Layer.provide(ReadinessLive),
  Layer.provide(Layer.effectDiscard(checkProduction)),
  Layer.provide(layerDevSecrets),
  Layer.provideMerge(TelemetryLive("tradeport-keys-rotate"))
)

rotateAll().pipe(
  Effect.tap((result) =>
    Effect.logInfo("keys:rotate finished").pipe(
      Effect.annotateLogs({
        activeKeyId: result.activeKeyId,
        resealed: result.resealed,
        failed: result.failed.join(",")
      })
    )
  ),
  Effect.flatMap((result) =>
    result.failed.length === 0
      ? Effect.void
      : Effect.fail(
          new Error(`${result.failed.length} credential(s) could not be decrypted: ${result.failed.join(", ")}`)
        )
  ),
  Effect.provide(Rotation),
  NodeRuntime.runMain
)
