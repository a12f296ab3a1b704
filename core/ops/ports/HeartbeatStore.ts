/**
 * Port: where scheduler instances record that they are alive, shared by every process (the HTTP app reads it for
 * readiness). Owns the heartbeat records only; deciding whether a beat is fresh is `liveness` in core/ops.
 */
import { Context, type Effect, type Option } from "effect"
import type { PersistenceError } from "../../shared/errors.ts"
import type { Heartbeat } from "../Heartbeat.ts"

export interface HeartbeatStoreShape {
  readonly record: (beat: Heartbeat) => Effect.Effect<void, PersistenceError>
  readonly latest: Effect.Effect<Option.Option<Heartbeat>, PersistenceError>
}

export class HeartbeatStore extends Context.Service<HeartbeatStore, HeartbeatStoreShape>()(
  "tradeport/core/ops/ports/HeartbeatStore"
) {}
