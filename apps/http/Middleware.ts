/**
 * The one global middleware every request passes through, in this order:
 * request id (accepted or generated, echoed, logged, traced) → rate limit (429 before any work) → the route,
 * bounded by the request timeout (503 instead of hanging, e.g. on an exhausted pool) and the body size limit →
 * error normalization (ErrorBodies) → security headers → access log and metrics.
 */
import { type ByteSize, Cause, Duration, Effect, Metric, Option } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { CurrentRequestId } from "../../core/shared/RequestContext.ts"
import { normalize } from "./ErrorBodies.ts"
import { type Decision, RequestLimiter } from "./RateLimit.ts"
import { canonicalPath } from "./Paths.ts"
import { requestIdFrom } from "./RequestContext.ts"

export interface MiddlewareOptions {
  readonly maxBodySize: ByteSize.ByteSize
  readonly requestTimeout: Duration.Duration
  /** Paths whose access-log line is written at debug level (probes hammer them). */
  readonly quietPaths: ReadonlyArray<string>
}

const requests = Metric.counter("http_requests_total", {
  description: "HTTP requests served, by method and status class"
})
const duration = Metric.histogram("http_request_duration_seconds", {
  description: "HTTP request latency",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})

/** A body that could not be read is the client's problem: too large → 413, otherwise 400. */
const requestBodyFailure = (defect: unknown) => {
  if (!HttpServerError.isHttpServerError(defect) || defect.reason._tag !== "RequestParseError") return undefined
  const tooLarge = /maxBytes/i.test(String(defect.reason.cause))
  return Effect.succeed(HttpServerResponse.empty({ status: tooLarge ? 413 : 400 }))
}

const securityHeaders = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
) => {
  const headers: Record<string, string> = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer"
  }
  // API answers carry tokens and tenant data: never cache them.
  if (canonicalPath(request.url).startsWith("/api/")) headers["cache-control"] = "no-store"
  if (request.headers["x-forwarded-proto"] === "https")
    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
  return HttpServerResponse.setHeaders(response, headers)
}

/**
 * Every 401 names its scheme (RFC 9110 §15.5.2, RFC 6750 §3): a bearer token, and when one was presented and
 * refused, that it was the token (`invalid_token`) — never why (expired, revoked, forged): that stays in the log.
 */
const final401 = (request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) => {
  if (response.status !== 401) return response
  const presented = /^bearer\s/i.test(request.headers["authorization"] ?? "")
  return HttpServerResponse.setHeader(
    response,
    "www-authenticate",
    presented ? 'Bearer realm="tradeport", error="invalid_token"' : 'Bearer realm="tradeport"'
  )
}

const rateLimitHeaders = (decision: Decision) => ({
  "ratelimit-limit": String(decision.limit),
  "ratelimit-remaining": String(decision.remaining),
  "ratelimit-reset": String(decision.resetSeconds)
})

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`

/** The request counter and latency histogram for one method and status class, made once and reused. */
const metricsFor = (() => {
  const made = new Map<string, { readonly requests: Metric.Counter<number>; readonly duration: typeof duration }>()
  return (method: string, status: number) => {
    const key = `${method} ${statusClass(status)}`
    let found = made.get(key)
    if (found === undefined) {
      const attributes = { method, status: statusClass(status) }
      found = {
        requests: Metric.withAttributes(requests, attributes),
        duration: Metric.withAttributes(duration, attributes)
      }
      // Methods come from clients: bound the cache (an unusual method still gets counted, just not cached).
      if (made.size < 64) made.set(key, found)
    }
    return found
  }
})()

/**
 * The request's deadline. The handler runs in its own fiber and the answer at the deadline does not wait for it to
 * stop: a handler stuck on a dependency that no longer answers (a frozen database whose query cannot even be
 * cancelled) must not hold the client past the timeout. The handler is interrupted in the background.
 * One fiber and at most one timer per request (a race of fibers costs a third of the throughput of a cheap route).
 */
const withDeadline = <E, R>(
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  timeout: Duration.Duration
) =>
  // Started on this stack (no scheduler hop); a handler that finished without waiting (a probe, a refusal) needs no
  // timer at all.
  Effect.flatMap(Effect.forkDetach(handler, { startImmediately: true }), (fiber) => {
    const finished = fiber.pollUnsafe()
    if (finished !== undefined) return finished
    return Effect.callback<HttpServerResponse.HttpServerResponse, E>((resume) => {
      let stopObserving: () => void = () => undefined
      const deadline = setTimeout(() => {
        stopObserving()
        fiber.interruptUnsafe()
        resume(Effect.succeed(HttpServerResponse.empty({ status: 503, headers: { "retry-after": "1" } })))
      }, Duration.toMillis(timeout))
      stopObserving = fiber.addObserver((exit) => {
        clearTimeout(deadline)
        resume(exit)
      })
      // The client went away: stop the handler too.
      return Effect.sync(() => {
        clearTimeout(deadline)
        stopObserving()
        fiber.interruptUnsafe()
      })
    })
  })

/** A request with a body but no Content-Type: refused (415) rather than guessed to be JSON. */
const untypedBody = (request: HttpServerRequest.HttpServerRequest) => {
  const { headers } = request
  if (headers["content-type"] !== undefined) return false
  const length = headers["content-length"]
  return (length !== undefined && length !== "0") || headers["transfer-encoding"] !== undefined
}

export const layer = (options: MiddlewareOptions) =>
  HttpRouter.middleware(
    Effect.gen(function* () {
      const limiter = yield* RequestLimiter
      return (httpEffect) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const requestId = requestIdFrom(request.headers["x-request-id"])
          const started = performance.now()
          yield* Effect.annotateCurrentSpan("http.request_id", requestId)
          const decision = yield* limiter.decide(request)
          const limited = Option.isSome(decision) && !decision.value.allowed
          const response = limited
            ? HttpServerResponse.empty({
                status: 429,
                headers: { "retry-after": String(decision.value.retryAfterSeconds) }
              })
            : untypedBody(request)
              ? HttpServerResponse.empty({ status: 415 })
              : yield* withDeadline(httpEffect, options.requestTimeout).pipe(
                  // A defect is a bug: its cause goes to the log, the client gets a bare normalized 500.
                  Effect.catchDefect(
                    (defect) =>
                      requestBodyFailure(defect) ??
                      Effect.logError("unexpected failure", Cause.die(defect)).pipe(
                        Effect.as(HttpServerResponse.empty({ status: 500 }))
                      )
                  ),
                  Effect.provideService(HttpIncomingMessage.MaxBodySize, options.maxBodySize),
                  Effect.provideService(CurrentRequestId, requestId),
                  Effect.annotateLogs({ requestId })
                )
          const rendered = response.status >= 400 ? normalize(response, requestId) : response
          const withLimits = Option.isSome(decision)
            ? HttpServerResponse.setHeaders(rendered, rateLimitHeaders(decision.value))
            : rendered
          const challenged = final401(request, withLimits)
          const final = HttpServerResponse.setHeader(securityHeaders(request, challenged), "x-request-id", requestId)
          const seconds = (performance.now() - started) / 1000
          const metrics = metricsFor(request.method, final.status)
          yield* Metric.update(metrics.requests, 1)
          yield* Metric.update(metrics.duration, seconds)
          const path = canonicalPath(request.url)
          const line = { method: request.method, path, status: final.status, durationMs: Math.round(seconds * 1000) }
          const log = options.quietPaths.includes(path)
            ? Effect.logDebug("http request")
            : Effect.logInfo("http request")
          yield* log.pipe(Effect.annotateLogs({ ...line, requestId }))
          // A webhook refused as unverifiable (400, 401) counts against its sender's address.
          if ((final.status === 400 || final.status === 401) && path.startsWith("/webhooks/")) {
            yield* limiter.refusedDelivery(request)
          }
          return final
        })
    }),
    { global: true }
  )
