import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Option } from "effect"
import { Heartbeat, InstanceId, liveness } from "../../core/ops/Heartbeat.ts"

const at = (iso: string) => DateTime.makeUnsafe(iso)
const beat = (iso: string) => Option.some(new Heartbeat({ instanceId: InstanceId.make("sched-1"), beatAt: at(iso) }))

describe("scheduler liveness policy", () => {
  const interval = Duration.seconds(10)
  it("no beat yet is Absent", () => {
    assert.strictEqual(liveness(Option.none(), at("2026-01-01T00:00:00Z"), interval)._tag, "Absent")
  })
  it("a beat within three intervals is Alive", () => {
    const state = liveness(beat("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:30Z"), interval)
    assert.strictEqual(state._tag, "Alive")
  })
  it("a beat older than three intervals is Stale", () => {
    const state = liveness(beat("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:31Z"), interval)
    assert.strictEqual(state._tag, "Stale")
    assert.strictEqual(state._tag === "Stale" ? Duration.toMillis(state.age) : 0, 31_000)
  })
  it("a beat from the future (clock skew) counts as fresh, not negative age", () => {
    const state = liveness(beat("2026-01-01T00:01:00Z"), at("2026-01-01T00:00:00Z"), interval)
    assert.strictEqual(state._tag, "Alive")
    assert.strictEqual(state._tag === "Alive" ? Duration.toMillis(state.age) : -1, 0)
  })
})
