/** The scheduler's own liveness: every interval, record that this instance is alive (read by /health/ready). */
import { DateTime, Duration, Effect } from "effect"
import { Heartbeat, type InstanceId } from "../../core/ops/Heartbeat.ts"
import { HeartbeatStore } from "../../core/ops/ports/HeartbeatStore.ts"
import type { Job } from "./JobRunner.ts"

import { instanceId } from "./Instance.ts"

export const heartbeatJob = (every: Duration.Duration, id: InstanceId = instanceId): Job<HeartbeatStore> => ({
  name: "heartbeat",
  every,
  timeout: Duration.max(Duration.seconds(5), every),
  run: Effect.gen(function* () {
    const store = yield* HeartbeatStore
    yield* store.record(new Heartbeat({ instanceId: id, beatAt: yield* DateTime.now }))
  })
})
