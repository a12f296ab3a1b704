/**
 * Operational endpoints on their own port (production's default, OPS_PORT): metrics, the API reference, readiness
 * details and the jobs are not on the public port; the public readiness answers without details.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { HttpClient } from "effect/http"
import { freePort } from "../support/RedisServer.ts"
import { testApp } from "../support/TestApp.ts"

const opsPort = await freePort()

const local = (path: string) =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${opsPort}${path}`)
    return { status: response.status, body: await response.text() }
  })

describe("operational endpoints on OPS_PORT", () => {
  layer(testApp({ OPS_PORT: String(opsPort), OPS_HOST: "127.0.0.1" }), { excludeTestServices: true, timeout: 60_000 })(
    "public and operator ports",
    (it) => {
      it.effect("the public port serves no metrics, docs, jobs or readiness details; the operator port does", () =>
        Effect.gen(function* () {
          const client = yield* HttpClient.HttpClient
          for (const path of ["/metrics", "/docs", "/ops/jobs", "/ops/ready"])
            assert.strictEqual((yield* client.get(path)).status, 404, `${path} on the public port`)
          const publicReady = yield* client.get("/health/ready").pipe(Effect.flatMap((r) => r.json))
          assert.deepStrictEqual((publicReady as { details: unknown }).details, {})

          const metrics = yield* local("/metrics")
          assert.strictEqual(metrics.status, 200)
          assert.match(metrics.body, /http_requests_total/)
          assert.strictEqual((yield* local("/docs")).status, 200)
          const ready = yield* local("/ops/ready")
          const report = JSON.parse(ready.body) as { checks: Record<string, string>; details: object }
          assert.strictEqual(report.checks["database"], "up")
          assert.property(report, "details")
          const jobs = yield* local("/ops/jobs").pipe(
            Effect.map((r) => JSON.parse(r.body) as { jobs: Array<{ job: string }> }),
            Effect.repeat({ until: (b) => b.jobs.length > 0, schedule: Schedule.spaced("100 millis"), times: 100 })
          )
          assert.include(
            jobs.jobs.map((j) => j.job),
            "heartbeat"
          )
        })
      )
    }
  )
})
