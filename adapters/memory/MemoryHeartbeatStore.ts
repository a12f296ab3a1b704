/** HeartbeatStore in process memory: for unit tests and single-process runs. Same contract as the Postgres one. */
import { DateTime, Effect, Layer, Option, Ref } from "effect"
import type { Heartbeat } from "../../core/ops/Heartbeat.ts"
import { HeartbeatStore } from "../../core/ops/ports/HeartbeatStore.ts"

export const layer = Layer.effect(
  HeartbeatStore,
  Effect.gen(function* () {
    const beats = yield* Ref.make(new Map<string, Heartbeat>())
    return HeartbeatStore.of({
      record: (beat) =>
        Ref.update(beats, (all) => {
          const previous = all.get(beat.instanceId)
          if (previous !== undefined && DateTime.isGreaterThan(previous.beatAt, beat.beatAt)) return all
          return new Map(all).set(beat.instanceId, beat)
        }),
      latest: Ref.get(beats).pipe(
        Effect.map((all) =>
          Option.fromNullishOr(
            [...all.values()].reduce<Heartbeat | undefined>(
              (newest, beat) =>
                newest === undefined || DateTime.isGreaterThan(beat.beatAt, newest.beatAt) ? beat : newest,
              undefined
            )
          )
        )
      )
    })
  })
)
