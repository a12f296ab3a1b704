/**
 * Scheduler liveness. Each scheduler instance records a heartbeat on every tick; readiness asks whether the newest
 * beat is recent enough. The policy is pure so it can be tested against any clock.
 */
import { DateTime, Duration, Option, Schema } from "effect"

export const InstanceId = Schema.NonEmptyString.pipe(Schema.brand("InstanceId"))
export type InstanceId = typeof InstanceId.Type

export class Heartbeat extends Schema.Class<Heartbeat>("Heartbeat")({
  instanceId: InstanceId,
  beatAt: Schema.DateTimeUtc
}) {}

export type Liveness =
  | { readonly _tag: "Alive"; readonly instanceId: InstanceId; readonly age: Duration.Duration }
  | { readonly _tag: "Stale"; readonly instanceId: InstanceId; readonly age: Duration.Duration }
  | { readonly _tag: "Absent" }

/**
 * A scheduler is alive when its newest beat is younger than `missedBeats` intervals: one late tick on a busy
 * machine is not an outage, several are.
 */
export const liveness = (
  latest: Option.Option<Heartbeat>,
  now: DateTime.Utc,
  interval: Duration.Duration,
  missedBeats = 3
): Liveness => {
  if (Option.isNone(latest)) return { _tag: "Absent" }
  const age = Duration.millis(Math.max(0, DateTime.toEpochMillis(now) - DateTime.toEpochMillis(latest.value.beatAt)))
  const limit = Duration.times(interval, missedBeats)
  return Duration.isGreaterThan(age, limit)
    ? { _tag: "Stale", instanceId: latest.value.instanceId, age }
    : { _tag: "Alive", instanceId: latest.value.instanceId, age }
}
