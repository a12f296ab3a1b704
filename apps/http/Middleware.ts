/**
 * The one global middleware every request passes through, outermost first:
 * request id (accepted or generated, echoed, logged, traced) → body size limit → access log and metrics →
 * security headers → error normalization (every 4xx/5xx leaves as problem+json with `code` and `requestId`;
 * a defect becomes a bare 500 and its cause goes to the log, never to the client).
 */
import { type ByteSize, Cause, Effect, Metric } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { codeForStatus } from "./Problems.ts"
import { RequestId, requestIdFrom } from "./RequestContext.ts"

export interface MiddlewareOptions {
  readonly maxBodySize: ByteSize.ByteSize
  /** Paths whose access-log line is written at debug level (probes hammer them). */
  readonly quietPaths: ReadonlyArray<string>
}

const requests = Metric.counter("http_requests_total", { description: "HTTP requests served, by method and status class" })
const duration = Metric.histogram("http_request_duration_seconds", {
  description: "HTTP request latency",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})

const STATUS_TITLES: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
  422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
  503: "Service Unavailable", 504: "Gateway Timeout"
}

const decoder = new TextDecoder()

const bodyJson = (response: HttpServerResponse.HttpServerResponse): Record<string, unknown> => {
  if (response.body._tag !== "Uint8Array") return {}
  try {
    const parsed: unknown = JSON.parse(decoder.decode(response.body.body))
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? { ...parsed } : {}
  } catch {
    return {}
  }
}

/**
 * Rewrites an error response into the normalized problem body, keeping what the producer already said. An
 * unexpected 5xx (no `code` from a handler) keeps nothing: its cause is for the log, not the client.
 */
export const normalize = (response: HttpServerResponse.HttpServerResponse, requestId: string) => {
  const status = response.status
  const body = bodyJson(response)
  const deliberate = typeof body["code"] === "string"
  const kept = status >= 500 && !deliberate ? {} : body
  const text = (key: string, fallback: string) => (typeof kept[key] === "string" ? String(kept[key]) : fallback)
  const problem = {
    ...kept,
    type: text("type", "about:blank"),
    title: text("title", STATUS_TITLES[status] ?? "Error"),
    status,
    code: text("code", codeForStatus(status)),
    requestId
  }
  return HttpServerResponse.jsonUnsafe(problem, { status, headers: response.headers, contentType: "application/problem+json" })
}

const securityHeaders = (request: HttpServerRequest.HttpServerRequest) => (response: HttpServerResponse.HttpServerResponse) => {
  let r = HttpServerResponse.setHeaders(response, {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer"
  })
  if (request.headers["x-forwarded-proto"] === "https") {
    r = HttpServerResponse.setHeader(r, "strict-transport-security", "max-age=31536000; includeSubDomains")
  }
  return r
}

/** A body that could not be read is the client's problem: too large → 413, otherwise 400. */
const requestBodyFailure = (defect: unknown) => {
  if (!HttpServerError.isHttpServerError(defect) || defect.reason._tag !== "RequestParseError") return undefined
  const tooLarge = /maxBytes/i.test(String(defect.reason.cause))
  return Effect.succeed(HttpServerResponse.empty({ status: tooLarge ? 413 : 400 }))
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`

export const layer = (options: MiddlewareOptions) =>
  HttpRouter.middleware(
    (httpEffect) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const requestId = requestIdFrom(request.headers["x-request-id"])
        const started = performance.now()
        yield* Effect.annotateCurrentSpan("http.request_id", requestId)
        const response = yield* httpEffect.pipe(
          // A defect is a bug: its cause goes to the log, the client gets a bare normalized 500.
          Effect.catchDefect((defect) =>
            requestBodyFailure(defect) ??
              Effect.logError("unexpected failure", Cause.die(defect)).pipe(Effect.as(HttpServerResponse.empty({ status: 500 })))
          ),
          Effect.provideService(HttpIncomingMessage.MaxBodySize, options.maxBodySize),
          Effect.provideService(RequestId, requestId),
          Effect.annotateLogs({ requestId })
        )
        const rendered = response.status >= 400 ? normalize(response, requestId) : response
        const final = HttpServerResponse.setHeader(securityHeaders(request)(rendered), "x-request-id", requestId)
        const seconds = (performance.now() - started) / 1000
        const attributes = { method: request.method, status: statusClass(final.status) }
        yield* Metric.update(Metric.withAttributes(requests, attributes), 1)
        yield* Metric.update(Metric.withAttributes(duration, attributes), seconds)
        const path = request.url.split("?")[0] ?? request.url
        const line = { method: request.method, path, status: final.status, durationMs: Math.round(seconds * 1000) }
        const log = options.quietPaths.includes(path) ? Effect.logDebug("http request") : Effect.logInfo("http request")
        yield* log.pipe(Effect.annotateLogs({ ...line, requestId }))
        return final
      }),
    { global: true }
  )
