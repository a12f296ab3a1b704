/**
 * HeartbeatStore on Postgres: one row per scheduler instance, upserted on every beat, so every HTTP process sees
 * every scheduler. Not a tenant table (no organization_id): scheduler liveness is platform-wide.
 */
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Heartbeat, InstanceId } from "../../core/ops/Heartbeat.ts"
import { HeartbeatStore, type HeartbeatStoreShape } from "../../core/ops/ports/HeartbeatStore.ts"
import { toPersistenceError } from "./Database.ts"

const Row = Schema.Struct({ instance_id: Schema.String, beat_at: Schema.Date })
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

export const layer = Layer.effect(
  HeartbeatStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const record: HeartbeatStoreShape["record"] = Effect.fn("HeartbeatStore.record")(function* (beat) {
      const beatAt = new Date(beat.beatAt.epochMilliseconds)
      yield* sql`
        INSERT INTO scheduler_heartbeats (instance_id, beat_at) VALUES (${beat.instanceId}, ${beatAt})
        ON CONFLICT (instance_id) DO UPDATE SET beat_at = GREATEST(scheduler_heartbeats.beat_at, EXCLUDED.beat_at)
      `.pipe(Effect.mapError(toPersistenceError("HeartbeatStore.record")))
    })

    const latest: HeartbeatStoreShape["latest"] = sql`
      SELECT instance_id, beat_at FROM scheduler_heartbeats ORDER BY beat_at DESC LIMIT 1
    `.pipe(
      Effect.mapError(toPersistenceError("HeartbeatStore.latest")),
      Effect.flatMap((rows) => decodeRows(rows).pipe(Effect.orDie)),
      Effect.map((rows) =>
        Option.fromNullishOr(rows[0]).pipe(
          Option.map(
            (row) =>
              new Heartbeat({
                instanceId: InstanceId.make(row.instance_id),
                beatAt: DateTime.fromDateUnsafe(row.beat_at)
              })
          )
        )
      ),
      Effect.withSpan("HeartbeatStore.latest")
    )

    return HeartbeatStore.of({ record, latest })
  })
)
