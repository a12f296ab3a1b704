/**
 * The one resilience policy every provider call goes through:
 *
 * - a timeout per attempt (PROVIDER_TIMEOUT, 5–10 s);
 * - bounded retries (PROVIDER_RETRIES) on network errors, timeouts, 429 and 5xx, with exponential backoff and
 *   full jitter, waiting at least what `Retry-After` asks; never on other 4xx, never on 401 (the token manager
 *   owns that);
 * - a circuit breaker per provider (and per connection when asked): 5 consecutive failed attempts open it, calls
 *   then fail fast with CircuitOpen until a half-open probe succeeds (Effect's CircuitBreaker; its store is Redis
 *   when configured, so every instance sees the same state);
 * - per attempt: a span, a structured log line (method, host, path template, status, latency, attempt, request
 *   id; never query strings, headers or bodies), and metrics.
 */
import { Config, Context, Duration, Effect, Layer, Metric, Option, Random, Ref, Stream } from "effect"
import { Headers, HttpClient, HttpClientError, type HttpClientRequest, type HttpClientResponse } from "effect/http"
import { CircuitBreaker } from "effect/persistence"
import { CurrentRequestId } from "../../../core/shared/RequestContext.ts"
import { EgressGuard } from "./Egress.ts"
import { isRetryable, ProviderError } from "../../../core/providers/ProviderError.ts"

export interface ClientPolicy {
  readonly timeout: Duration.Duration
  readonly retries: number
  readonly baseDelay: Duration.Duration
  readonly maxDelay: Duration.Duration
}

export const PolicyConfig = Config.all({
  timeout: Config.Duration("PROVIDER_TIMEOUT").pipe(Config.withDefault(Duration.seconds(8))),
  retries: Config.Int("PROVIDER_RETRIES").pipe(Config.withDefault(3)),
  baseDelay: Config.Duration("PROVIDER_RETRY_BASE_DELAY").pipe(Config.withDefault(Duration.millis(200))),
  maxDelay: Config.Duration("PROVIDER_RETRY_MAX_DELAY").pipe(Config.withDefault(Duration.seconds(10)))
})

export interface CallOptions {
  readonly provider: string
  /** The path template for logs and metrics (`/admin/api/orders.json`, not the URL with ids and queries). */
  readonly operation: string
  /** Circuit key; defaults to the provider. Pass `${provider}:${connectionId}` to isolate one account. */
  readonly circuit?: string | undefined
  /**
   * False for requests that must not run twice (a refresh-token grant rotates the token on first receipt): such a
   * request is retried only when the provider refused it unprocessed (429), never after a timeout or 5xx.
   */
  readonly idempotent?: boolean | undefined
  /** A provider's own bounds (G2A_TIMEOUT_MS, G2A_RETRY_MAX) in place of the shared ones. */
  readonly timeout?: Duration.Duration | undefined
  readonly retries?: number | undefined
  /**
   * `untrusted` for a URL a user supplied (a WooCommerce store): checked by the EgressGuard and sent through its
   * client, which refuses non-public addresses at connect time.
   */
  readonly egress?: "trusted" | "untrusted" | undefined
}

/** Header names that carry provider credentials (G2A hash auth, Shopify, Amazon Ads…) besides Effect's defaults. */
const SECRET_HEADERS: ReadonlyArray<string> = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "x-api-hash",
  "x-g2a-hash",
  "x-shopify-access-token",
  "amazon-advertising-api-clientid"
]

const latency = Metric.histogram("provider_request_duration_seconds", {
  description: "Provider call latency per attempt",
  boundaries: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})
const attempts = Metric.counter("provider_requests_total", {
  description: "Provider call attempts by provider and outcome"
})
const retries = Metric.counter("provider_retries_total", {
  description: "Provider call retries by provider and reason"
})
const circuitOpen = Metric.gauge("provider_circuit_open", {
  description: "How many of a provider's circuits are open (per provider: a store's host never becomes a label)"
})

const retryAfterOf = (response: HttpClientResponse.HttpClientResponse): number | undefined => {
  const header = response.headers["retry-after"]
  if (header === undefined) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000)
}

/** The machine-readable error code of a refusal (`{"error":"invalid_grant"}`, `{"code":"BR03"}`…), if any. */
const errorCodeOf = (response: HttpClientResponse.HttpClientResponse) =>
  response.text.pipe(
    Effect.map((text) => {
      try {
        const body: unknown = JSON.parse(text.slice(0, 4096))
        if (typeof body !== "object" || body === null) return undefined
        const code = "error" in body ? body.error : "code" in body ? body.code : undefined
        return typeof code === "string" && /^[\w.-]{1,64}$/.test(code) ? code : undefined
      } catch {
        return undefined
      }
    }),
    Effect.orElseSucceed(() => undefined)
  )

/** Maps one attempt's response to success or the reason it failed. */
export const classify = (options: CallOptions, response: HttpClientResponse.HttpClientResponse) =>
  Effect.gen(function* () {
    const status = response.status
    if (status < 400) return response
    const reason: ProviderError["reason"] =
      status === 401 ? "Unauthorized" : status === 429 ? "RateLimited" : status >= 500 ? "Unavailable" : "Rejected"
    const detail = status < 500 ? yield* errorCodeOf(response) : undefined
    return yield* new ProviderError({
      provider: options.provider,
      operation: options.operation,
      reason,
      status,
      retryAfterSeconds: reason === "RateLimited" || reason === "Unavailable" ? retryAfterOf(response) : undefined,
      detail
    })
  })

export class ProviderClient extends Context.Service<
  ProviderClient,
  {
    readonly execute: (
      request: HttpClientRequest.HttpClientRequest,
      options: CallOptions
    ) => Effect.Effect<HttpClientResponse.HttpClientResponse, ProviderError>
    /** Circuits this process has used and their state, for readiness and the console. */
    readonly circuits: Effect.Effect<
      ReadonlyArray<{ readonly key: string; readonly state: "Closed" | "Open" | "HalfOpen" }>
    >
  }
>()("tradeport/adapters/providers/shared/ProviderClient") {
  static readonly layer = (policy: ClientPolicy) =>
    Layer.effect(
      ProviderClient,
      Effect.gen(function* () {
        const http = yield* HttpClient.HttpClient
        const guard = yield* Effect.serviceOption(EgressGuard)
        const breaker = yield* CircuitBreaker.CircuitBreaker
        const known = yield* Ref.make(new Set<string>())
        // Open circuits by provider (a circuit key is `provider` or `provider:host`): the gauge counts them.
        const openCircuits = new Map<string, Set<string>>()
        const openCount = (key: string, open: boolean) => {
          const provider = key.split(":")[0] ?? key
          const keys = openCircuits.get(provider) ?? new Set<string>()
          if (open) keys.add(key)
          else keys.delete(key)
          openCircuits.set(provider, keys)
          return { provider, count: keys.size }
        }
        yield* breaker.transitions.pipe(
          Stream.runForEach((t) =>
            Effect.suspend(() => {
              const { provider, count } = openCount(t.key, t.to === "Open")
              return Metric.update(Metric.withAttributes(circuitOpen, { provider }), count)
            }).pipe(
              Effect.andThen(
                Effect.logWarning("provider circuit transition").pipe(
                  Effect.annotateLogs({ circuit: t.key, from: t.from, to: t.to })
                )
              )
            )
          ),
          Effect.forkScoped
        )

        const attempt = (
          request: HttpClientRequest.HttpClientRequest,
          options: CallOptions,
          circuit: string,
          n: number
        ) =>
          Effect.gen(function* () {
            const started = performance.now()
            const client = options.egress === "untrusted" ? Option.getOrThrow(guard).http : http
            const outcome = yield* client.execute(request).pipe(
              // Should anything print or trace these requests' headers, provider secrets show as <redacted>.
              Effect.provideService(Headers.CurrentRedactedNames, SECRET_HEADERS),
              Effect.timeoutOrElse({
                duration: options.timeout ?? policy.timeout,
                orElse: () =>
                  Effect.fail(
                    new ProviderError({ provider: options.provider, operation: options.operation, reason: "Timeout" })
                  )
              }),
              Effect.catchIf(HttpClientError.isHttpClientError, () =>
                Effect.fail(
                  new ProviderError({ provider: options.provider, operation: options.operation, reason: "Unavailable" })
                )
              ),
              Effect.flatMap((response) => classify(options, response)),
              breaker.execute({
                key: circuit,
                // Provider trouble opens the circuit; our own mistakes (4xx) and refused tokens do not.
                classify: (exit) =>
                  exit._tag === "Success"
                    ? CircuitBreaker.success
                    : exit.cause.reasons.some(
                          (r) => r._tag === "Fail" && (r.error.reason === "Timeout" || r.error.reason === "Unavailable")
                        )
                      ? CircuitBreaker.failure()
                      : CircuitBreaker.success
              }),
              Effect.catchTag("CircuitBreakerError", (e) =>
                Effect.fail(
                  new ProviderError({
                    provider: options.provider,
                    operation: options.operation,
                    reason: e.reason._tag === "CircuitBreakerStoreError" ? "Unavailable" : "CircuitOpen",
                    ...(e.reason._tag === "CircuitOpen"
                      ? { retryAfterSeconds: Duration.toSeconds(e.reason.retryAfter) }
                      : {})
                  })
                )
              ),
              Effect.result
            )
            const seconds = (performance.now() - started) / 1000
            const status = outcome._tag === "Success" ? outcome.success.status : outcome.failure.status
            const result = outcome._tag === "Success" ? "ok" : outcome.failure.reason
            yield* Metric.update(
              Metric.withAttributes(latency, { provider: options.provider, outcome: result }),
              seconds
            )
            yield* Metric.update(Metric.withAttributes(attempts, { provider: options.provider, outcome: result }), 1)
            yield* Effect.logInfo("provider call").pipe(
              Effect.annotateLogs({
                provider: options.provider,
                method: request.method,
                host: new URL(request.url).host,
                path: options.operation,
                status: status ?? null,
                outcome: result,
                latencyMs: Math.round(seconds * 1000),
                attempt: n,
                requestId: (yield* CurrentRequestId) ?? null
              })
            )
            return yield* outcome._tag === "Success" ? Effect.succeed(outcome.success) : Effect.fail(outcome.failure)
          }).pipe(
            Effect.withSpan(`provider.${options.provider}`, {
              attributes: {
                "provider.operation": options.operation,
                "provider.attempt": n,
                "http.method": request.method
              }
            })
          )

        /** Full jitter: a random wait in [0, min(max, base·2^n)], but never less than the provider's Retry-After. */
        const backoff = (error: ProviderError, n: number) =>
          Effect.gen(function* () {
            const ceiling = Math.min(Duration.toMillis(policy.maxDelay), Duration.toMillis(policy.baseDelay) * 2 ** n)
            const jittered = (yield* Random.next) * ceiling
            const floor = (error.retryAfterSeconds ?? 0) * 1000
            return Duration.millis(Math.min(Math.max(jittered, floor), Duration.toMillis(policy.maxDelay)))
          })

        const execute = (request: HttpClientRequest.HttpClientRequest, options: CallOptions) =>
          Effect.gen(function* () {
            const circuit = options.circuit ?? options.provider
            if (options.egress === "untrusted") {
              const refused = (detail: string) =>
                new ProviderError({
                  provider: options.provider,
                  operation: options.operation,
                  reason: "Rejected",
                  detail
                })
              if (Option.isNone(guard)) return yield* refused("no_egress_guard")
              yield* guard.value
                .check(request.url)
                .pipe(Effect.mapError((e) => refused(`destination_not_allowed:${e.reason}`)))
            }
            yield* Ref.update(known, (s) => (s.has(circuit) ? s : new Set(s).add(circuit)))
            let n = 0
            while (true) {
              const outcome = yield* attempt(request, options, circuit, n + 1).pipe(Effect.result)
              if (outcome._tag === "Success") return outcome.success
              const error = outcome.failure
              const mayRetry = isRetryable(error) && (options.idempotent !== false || error.reason === "RateLimited")
              // A provider asking for more patience than our longest backoff gets its answer now, not a stalled call.
              const tooLong = (error.retryAfterSeconds ?? 0) * 1000 > Duration.toMillis(policy.maxDelay)
              if (!mayRetry || tooLong || n >= (options.retries ?? policy.retries)) return yield* error
              yield* Metric.update(
                Metric.withAttributes(retries, { provider: options.provider, reason: error.reason }),
                1
              )
              yield* Effect.sleep(yield* backoff(error, n))
              n++
            }
          })

        return ProviderClient.of({
          execute,
          circuits: Ref.get(known).pipe(
            Effect.flatMap((keys) =>
              Effect.forEach([...keys], (key) =>
                breaker.state(key).pipe(
                  Effect.map((s) => ({ key, state: s._tag })),
                  Effect.orElseSucceed(() => ({ key, state: "Closed" as const }))
                )
              )
            )
          )
        })
      })
    )
}
