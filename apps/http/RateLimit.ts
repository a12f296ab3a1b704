/**
 * Request rate limiting with Effect's RateLimiter (fixed window; on Redis one atomic script = one round trip per
 * decision). Every client gets a global budget; auth endpoints a much smaller one. Probes and metrics are exempt.
 *
 * When the shared store fails (Redis down), decisions fall back to an in-process limiter with the same budgets
 * (counted in `ratelimit_fallback_total`): limits become per instance, never off — auth is never left open.
 */
import { Config, Context, Duration, Effect, Layer, Metric, Option } from "effect"
import type { HttpServerRequest } from "effect/http"
import { RateLimiter } from "effect/persistence"
import { canonicalPath } from "./Paths.ts"

export interface Budget {
  readonly limit: number
  readonly window: Duration.Duration
}

export interface Decision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  readonly resetSeconds: number
  readonly retryAfterSeconds: number
}

const EXEMPT = ["/health/live", "/health/ready", "/metrics"]

const decisions = Metric.counter("ratelimit_decisions_total", { description: "Rate-limit decisions by scope and outcome" })
const fallbacks = Metric.counter("ratelimit_fallback_total", { description: "Decisions made in-process because the shared store failed" })

export class RequestLimiter extends Context.Service<RequestLimiter, {
  /** None when the request is exempt. */
  readonly decide: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Option.Option<Decision>>
}>()("tradeport/apps/http/RequestLimiter") {}

/**
 * Behind one trusted proxy the client is the LAST `X-Forwarded-For` entry (the one our proxy appended); earlier
 * entries are whatever the client chose to send.
 */
const clientOf = (request: HttpServerRequest.HttpServerRequest, trustProxy: boolean) => {
  const forwarded = request.headers["x-forwarded-for"]
  if (trustProxy && forwarded !== undefined) {
    const last = forwarded.split(",").map((e) => e.trim()).filter((e) => e.length > 0).pop()
    if (last !== undefined) return last
  }
  return Option.getOrElse(request.remoteAddress, () => "unknown")
}

export const layer = Layer.effect(
  RequestLimiter,
  Effect.gen(function*() {
    const global: Budget = {
      limit: yield* Config.Int("RATE_LIMIT_GLOBAL_PER_MINUTE").pipe(Config.withDefault(600)),
      window: Duration.minutes(1)
    }
    const auth: Budget = {
      limit: yield* Config.Int("RATE_LIMIT_AUTH_PER_MINUTE").pipe(Config.withDefault(20)),
      window: Duration.minutes(1)
    }
    const trustProxy = yield* Config.Boolean("TRUST_PROXY").pipe(Config.withDefault(false))
    const shared = yield* RateLimiter.RateLimiter
    const local = yield* RateLimiter.make.pipe(Effect.provide(RateLimiter.layerStoreMemory))

    const consume = (limiter: RateLimiter.RateLimiter, key: string, budget: Budget) =>
      limiter.consume({ key, limit: budget.limit, window: budget.window, algorithm: "fixed-window", onExceeded: "fail" })

    const decide = (scope: string, key: string, budget: Budget) =>
      consume(shared, key, budget).pipe(
        Effect.catchReason("RateLimiterError", "RateLimitStoreError", () =>
          Metric.update(fallbacks, 1).pipe(Effect.andThen(consume(local, key, budget)))),
        Effect.map((result): Decision => ({
          allowed: true,
          limit: result.limit,
          remaining: result.remaining,
          resetSeconds: Math.ceil(Duration.toSeconds(result.resetAfter)),
          retryAfterSeconds: 0
        })),
        Effect.catchReason("RateLimiterError", "RateLimitExceeded", (exceeded) =>
          Effect.succeed<Decision>({
            allowed: false,
            limit: exceeded.limit,
            remaining: 0,
            resetSeconds: Math.max(1, Math.ceil(Duration.toSeconds(exceeded.retryAfter))),
            retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(exceeded.retryAfter)))
          })),
        // Both stores failing is a bug in the memory store: refuse rather than let traffic through unlimited.
        Effect.catch(() => Effect.succeed<Decision>({ allowed: false, limit: budget.limit, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1 })),
        Effect.tap((d) => Metric.update(Metric.withAttributes(decisions, { scope, outcome: d.allowed ? "allowed" : "limited" }), 1))
      )

    return RequestLimiter.of({
      decide: (request) => {
        const path = canonicalPath(request.url)
        // Probes are exempt; so are webhooks: signature-checked, and providers send them from few addresses.
        if (EXEMPT.includes(path) || path.startsWith("/webhooks/")) return Effect.succeedNone
        const client = clientOf(request, trustProxy)
        return path.startsWith("/api/v1/auth/")
          ? decide("auth", `auth:${client}`, auth).pipe(Effect.map(Option.some))
          : decide("global", `global:${client}`, global).pipe(Effect.map(Option.some))
      }
    })
  })
)
