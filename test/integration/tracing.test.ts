/**
 * Traces leave the process over OTLP/HTTP (what Jaeger accepts on :4318): one request to /health/ready must
 * arrive as one trace whose HTTP server span is the ancestor of the readiness, SQL and Redis spans.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { startOtlpReceiver } from "../support/OtlpReceiver.ts"
import { testApp } from "../support/TestApp.ts"

describe("tracing", () => {
  it.live(
    "a request becomes one exported trace spanning HTTP, SQL and Redis",
    () =>
      Effect.gen(function* () {
        const receiver = yield* Effect.acquireRelease(Effect.promise(startOtlpReceiver), (r) => Effect.promise(r.close))
        const requestId = "trace-test-0000001"
        yield* Effect.gen(function* () {
          const client = yield* HttpClient.HttpClient
          const response = yield* client.execute(
            HttpClientRequest.get("/health/ready").pipe(HttpClientRequest.setHeader("x-request-id", requestId))
          )
          assert.strictEqual(response.status, 200)
        }).pipe(
          // Closing the app's scope shuts the SDK down, which flushes the batch processor.
          Effect.provide(
            Layer.fresh(
              testApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: "tradeport-trace-test" })
            )
          )
        )
        const spans = receiver.spans.filter((s) => s.service === "tradeport-trace-test")
        const server = spans.find((s) => s.attributes["http.request_id"] === requestId)
        assert.isDefined(server, `no HTTP span with the request id among ${spans.map((s) => s.name).join(", ")}`)
        const trace = spans.filter((s) => s.traceId === server!.traceId)
        const byId = new Map(trace.map((s) => [s.spanId, s]))
        const descendsFromServer = (span: { readonly parentSpanId: string }): boolean => {
          const parent = byId.get(span.parentSpanId)
          return parent === undefined ? false : parent.spanId === server!.spanId || descendsFromServer(parent)
        }
        const names = trace.map((s) => s.name)
        const sqlStatement = (text: string) => (s: (typeof trace)[number]) =>
          Object.values(s.attributes).some((v) => typeof v === "string" && v.includes(text))
        const expectations = [
          ["readiness", (s: (typeof trace)[number]) => s.name === "Readiness.report"],
          ["SQL statement SELECT 1", sqlStatement("SELECT 1")],
          ["SQL statement on scheduler_heartbeats", sqlStatement("FROM scheduler_heartbeats")],
          ["Redis command", (s: (typeof trace)[number]) => s.name === "redis.ping"]
        ] as const
        for (const [label, matches] of expectations) {
          const span = trace.find(matches)
          assert.isDefined(span, `missing ${label} in ${names.join(", ")}`)
          assert.isTrue(descendsFromServer(span!), `${label} is not under the HTTP span`)
        }
        // The server span's parent, if any, is the caller's (W3C traceparent from the client), never one of ours.
        assert.isFalse(byId.has(server!.parentSpanId), "the HTTP span is the app's root span for the request")
      }).pipe(Effect.scoped),
    60_000
  )
})
