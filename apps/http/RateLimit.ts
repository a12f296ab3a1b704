/**
 * Request rate limiting, fixed window: every client gets a global budget per minute, auth endpoints a much smaller
 * one; probes and metrics are exempt; webhooks are limited only by their sender's refused deliveries (an address
 * failing verification RATE_LIMIT_WEBHOOK_FAILURES_PER_MINUTE times is refused until the window ends). The count lives in the RateCounter port (Redis: one script, one
 * round trip per decision, shared by every instance; in memory without REDIS_URL).
 *
 * When the shared store fails (Redis down), decisions fall back to an in-process counter with the same budgets
 * (counted in `ratelimit_fallback_total`): limits become per instance, never off — auth is never left open.
 * The wiring chooses that counter (Server.ts passes the memory adapter's), so this middleware imports no adapter.
 */
import { Config, Context, Duration, Effect, Layer, Metric, Option } from "effect"
import { isIP } from "node:net"
import type { HttpServerRequest } from "effect/http"
import { RateCounter, type RateCounterShape, type WindowCount } from "../../core/shared/ports/RateCounter.ts"
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

const decisions = Metric.counter("ratelimit_decisions_total", {
  description: "Rate-limit decisions by scope and outcome"
})
const fallbacks = Metric.counter("ratelimit_fallback_total", {
  description: "Decisions made in-process because the shared store failed"
})

export class RequestLimiter extends Context.Service<
  RequestLimiter,
  {
    /** None when the request is exempt. */
    readonly decide: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Option.Option<Decision>>
    /** Counts a refused webhook delivery against its sender's address (after the response is known). */
    readonly refusedDelivery: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<void>
  }
>()("tradeport/apps/http/RequestLimiter") {}

/**
 * Behind one trusted proxy the client is the LAST `X-Forwarded-For` entry (the one our proxy appended); earlier
 * entries are whatever the client chose to send.
 */
/**
 * The unit a budget belongs to: an IPv4 address (an IPv4-mapped IPv6 one as IPv4), or an IPv6 address's /64 — a
 * subscriber usually holds a whole /64 and could otherwise rotate through it for a fresh budget per address.
 */
export const budgetKey = (raw: string): string => {
  // `[2001:db8::1]:443` and `192.0.2.1:8080` (proxies that append the port): the address alone.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(raw)
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(raw)
  const address = bracketed?.[1] ?? withPort?.[1] ?? raw
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  if (mapped?.[1] !== undefined) return mapped[1]
  if (isIP(address) !== 6) return address
  const [head = "", tail = ""] = address.toLowerCase().split("::")
  const left = head === "" ? [] : head.split(":")
  const right = address.includes("::") ? (tail === "" ? [] : tail.split(":")) : []
  const groups = [...left, ...Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => "0"), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`
}

const clientOf = (request: HttpServerRequest.HttpServerRequest, trustProxy: boolean) =>
  budgetKey(addressOf(request, trustProxy))

const addressOf = (request: HttpServerRequest.HttpServerRequest, trustProxy: boolean) => {
  const forwarded = request.headers["x-forwarded-for"]
  if (trustProxy && forwarded !== undefined) {
    const last = forwarded
      .split(",")
      .map((e) => e.trim())
      .filter((e) => e.length > 0)
      .pop()
    if (last !== undefined) return last
  }
  return Option.getOrElse(request.remoteAddress, () => "unknown")
}

/** `fallbackCounter` makes the in-process counter that answers while the shared RateCounter fails. */
export const layer = (fallbackCounter: Effect.Effect<RateCounterShape>) =>
  Layer.effect(
    RequestLimiter,
    Effect.gen(function* () {
      const global: Budget = {
        limit: yield* Config.Int("RATE_LIMIT_GLOBAL_PER_MINUTE").pipe(Config.withDefault(600)),
        window: Duration.minutes(1)
      }
      const auth: Budget = {
        limit: yield* Config.Int("RATE_LIMIT_AUTH_PER_MINUTE").pipe(Config.withDefault(20)),
        window: Duration.minutes(1)
      }
      // Webhooks are signature-checked, not counted; but an address whose deliveries keep failing verification is
      // refused before its next one costs a lookup and an HMAC.
      const webhookFailures: Budget = {
        limit: yield* Config.Int("RATE_LIMIT_WEBHOOK_FAILURES_PER_MINUTE").pipe(Config.withDefault(60)),
        window: Duration.minutes(1)
      }
      const trustProxy = yield* Config.Boolean("TRUST_PROXY").pipe(Config.withDefault(false))
      const shared = yield* RateCounter
      const local = yield* fallbackCounter
      // One counter per scope and outcome, made once: a decision only increments.
      const counted = (scope: string) => ({
        allowed: Metric.withAttributes(decisions, { scope, outcome: "allowed" }),
        limited: Metric.withAttributes(decisions, { scope, outcome: "limited" })
      })
      const metrics = { auth: counted("auth"), global: counted("global"), webhooks: counted("webhook_failures") }

      const toDecision = (budget: Budget, { count, resetMillis }: WindowCount): Decision => {
        const resetSeconds = Math.max(1, Math.ceil(resetMillis / 1000))
        return count <= budget.limit
          ? { allowed: true, limit: budget.limit, remaining: budget.limit - count, resetSeconds, retryAfterSeconds: 0 }
          : { allowed: false, limit: budget.limit, remaining: 0, resetSeconds, retryAfterSeconds: resetSeconds }
      }

      // Redis failing: the in-process counter, per instance. Both failing is a bug in the memory store: refuse
      // rather than let traffic through unlimited.
      const exhausted: WindowCount = { count: Number.MAX_SAFE_INTEGER, resetMillis: 1_000 }
      const fallback = (key: string, window: number) =>
        Metric.update(fallbacks, 1).pipe(
          Effect.andThen(local.hit(key, window)),
          Effect.orElseSucceed(() => exhausted)
        )

      const decide = (scope: "auth" | "global", key: string, budget: Budget) => {
        const window = Duration.toMillis(budget.window)
        return shared.hit(key, window).pipe(
          Effect.catch(() => fallback(key, window)),
          Effect.flatMap((count) => {
            const decision = toDecision(budget, count)
            return Metric.update(decision.allowed ? metrics[scope].allowed : metrics[scope].limited, 1).pipe(
              Effect.as(Option.some(decision))
            )
          })
        )
      }

      /**
       * Whether an address is over its budget of refused deliveries to one webhook URL (read, not counted: only refusals
       * count). Per URL, since a provider sends every tenant's webhooks from a few addresses: a URL that keeps failing
       * (a forger's target, a misconfigured subscription) is refused, the provider's deliveries to others are not.
       */
      const webhookSender = (client: string) => {
        const key = `webhook-failures:${client}`
        return shared.peek(key).pipe(
          Effect.catch(() => local.peek(key)),
          Effect.orElseSucceed(() => ({ count: 0, resetMillis: 0 })),
          Effect.flatMap((window) => {
            if (window.count < webhookFailures.limit) return Effect.succeedNone
            const refused = toDecision(webhookFailures, { count: window.count + 1, resetMillis: window.resetMillis })
            return Metric.update(metrics.webhooks.limited, 1).pipe(Effect.as(Option.some(refused)))
          })
        )
      }

      return RequestLimiter.of({
        refusedDelivery: (request) => {
          const key = `webhook-failures:${clientOf(request, trustProxy)}:${canonicalPath(request.url)}`
          const window = Duration.toMillis(webhookFailures.window)
          return shared.hit(key, window).pipe(
            Effect.catch(() => fallback(key, window)),
            Effect.asVoid
          )
        },
        decide: (request) => {
          const path = canonicalPath(request.url)
          if (EXEMPT.includes(path)) return Effect.succeedNone
          // Webhooks are not budgeted per request (providers send from few addresses), only their refusals are.
          if (path.startsWith("/webhooks/")) return webhookSender(`${clientOf(request, trustProxy)}:${path}`)
          const client = clientOf(request, trustProxy)
          return path.startsWith("/api/v1/auth/")
            ? decide("auth", `auth:${client}`, auth)
            : decide("global", `global:${client}`, global)
        }
      })
    })
  )
