/**
 * OpenTelemetry tracing through `@effect/opentelemetry`: when OTEL_EXPORTER_OTLP_ENDPOINT is set, every Effect
 * span (HTTP requests, SQL statements, Redis commands, outbound HTTP calls, use cases) is exported over
 * OTLP/HTTP to `{endpoint}/v1/traces` — what Jaeger accepts on port 4318. Unset: tracing stays in-process only.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, Effect, Layer, Option } from "effect"

export const layerSdk = (serviceName: string, spanProcessor: SpanProcessor) =>
  NodeSdk.layer(() => ({ resource: { serviceName, serviceVersion: "0.1.0" }, spanProcessor }))

export const layerConfig = (defaultServiceName: string) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const endpoint = yield* Config.option(Config.URL("OTEL_EXPORTER_OTLP_ENDPOINT"))
      if (Option.isNone(endpoint)) return Layer.empty
      const serviceName = yield* Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault(defaultServiceName))
      const url = new URL("v1/traces", endpoint.value.href.endsWith("/") ? endpoint.value : `${endpoint.value.href}/`)
      return layerSdk(serviceName, new BatchSpanProcessor(new OTLPTraceExporter({ url: url.href })))
    })
  )
