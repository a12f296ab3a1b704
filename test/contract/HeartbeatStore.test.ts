/** One contract, two adapters: the memory and the Postgres HeartbeatStore must behave the same. */
import { assert, describe, layer } from "@effect/vitest"
import { DateTime, Effect, Layer, Option } from "effect"
import * as MemoryHeartbeatStore from "../../adapters/memory/MemoryHeartbeatStore.ts"
import * as PgHeartbeatStore from "../../adapters/postgres/PgHeartbeatStore.ts"
import { Heartbeat, InstanceId } from "../../core/ops/Heartbeat.ts"
import { HeartbeatStore } from "../../core/ops/ports/HeartbeatStore.ts"
import * as TestDatabase from "../support/TestDatabase.ts"

const beat = (id: string, iso: string) =>
  new Heartbeat({ instanceId: InstanceId.make(id), beatAt: DateTime.makeUnsafe(iso) })

const contract = (name: string, store: Layer.Layer<HeartbeatStore>) =>
  layer(store, { excludeTestServices: true })(`HeartbeatStore contract: ${name}`, (it) => {
    it.effect("latest is none before any beat, then the newest beat across instances", () =>
      Effect.gen(function* () {
        const s = yield* HeartbeatStore
        assert.isTrue(Option.isNone(yield* s.latest))
        yield* s.record(beat("a", "2026-01-01T00:00:00Z"))
        yield* s.record(beat("b", "2026-01-01T00:00:05Z"))
        yield* s.record(beat("a", "2026-01-01T00:00:03Z"))
        const latest = yield* s.latest
        assert.strictEqual(Option.getOrThrow(latest).instanceId, "b")
        assert.strictEqual(DateTime.formatIso(Option.getOrThrow(latest).beatAt), "2026-01-01T00:00:05.000Z")
      })
    )

    it.effect("an out-of-order older beat never moves an instance back in time", () =>
      Effect.gen(function* () {
        const s = yield* HeartbeatStore
        yield* s.record(beat("c", "2027-01-01T00:00:10Z"))
        yield* s.record(beat("c", "2027-01-01T00:00:01Z"))
        assert.strictEqual(DateTime.formatIso(Option.getOrThrow(yield* s.latest).beatAt), "2027-01-01T00:00:10.000Z")
      })
    )
  })

describe("HeartbeatStore", () => {
  contract("memory", MemoryHeartbeatStore.layer)
  contract("postgres", PgHeartbeatStore.layer.pipe(Layer.provide(TestDatabase.layer), Layer.orDie))
})
