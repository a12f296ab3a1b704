/**
 * The token manager: every provider call that needs a token asks here. It guarantees
 *
 * - cached reads: an in-process layer in front of the shared TokenCache, entries expiring before the token does;
 * - single flight: at most one refresh per token at a time in this process (concurrent callers share it) and
 *   across processes (DistributedLock, then re-reading the state the previous holder may have just written);
 * - refresh on 401 exactly once per call (`withToken`): a second rejection is a typed failure, never a loop;
 * - degradation: with the shared cache or lock unavailable, tokens are fetched on demand (still deduplicated in
 *   process) and `token_cache_fallback_total` counts it.
 *
 * What "refresh" means (client credentials, a rotating refresh token persisted atomically…) belongs to the
 * TokenSource; what counts as fresh belongs to TokenLifecycle.
 */
import { Context, DateTime, Deferred, Duration, Effect, Exit, Layer, Metric, Option, Redacted, Schema } from "effect"
import { CacheError } from "../shared/errors.ts"
import { DistributedLock, type LockTimeout } from "./ports/DistributedLock.ts"
import { type CachedToken, TokenCache } from "./ports/TokenCache.ts"
import { cacheTtl, defaultPolicy, freshness, type LifecyclePolicy } from "./TokenLifecycle.ts"

export interface TokenSource<E, R = never> {
  readonly cacheKey: string
  readonly lockKey: string
  /** The token as persisted (e.g. decrypted from the connection), read again after taking the lock. */
  readonly stored: Effect.Effect<Option.Option<CachedToken>, E, R>
  /** Obtains a new token from the provider and persists whatever it must (atomically). */
  readonly refresh: Effect.Effect<CachedToken, E, R>
}

/** The provider refused the token we sent (HTTP 401): the manager refreshes once and retries once. */
export class TokenRejected extends Schema.TaggedError<TokenRejected>()("TokenRejected", {}) {}

/** Refreshed, and the provider still refused: a typed end of the road for this call. */
export class TokenStillRejected extends Schema.TaggedError<TokenStillRejected>()("TokenStillRejected", {
  key: Schema.String
}) {}

const cacheHits = Metric.counter("token_cache_hits_total", { description: "Token reads served from cache, by layer" })
const refreshes = Metric.counter("token_refresh_total", { description: "Token refreshes performed, by outcome" })
const ttlGauge = Metric.gauge("token_ttl_seconds", {
  description: "Remaining lifetime of the newest token obtained, per provider (never per connection: bounded series)"
})
const fallbacks = Metric.counter("token_cache_fallback_total", {
  description: "Token operations that bypassed an unavailable shared cache or lock"
})

export interface TokenManagerOptions {
  readonly policy: LifecyclePolicy
  readonly lockTtl: Duration.Duration
  readonly lockWait: Duration.Duration
  /**
   * How long this process trusts its own copy before looking at the shared cache again: an invalidation made by
   * another instance (credentials changed, disconnected) reaches this one within it.
   */
  readonly localTtl: Duration.Duration
}

export const defaultOptions: TokenManagerOptions = {
  policy: defaultPolicy,
  lockTtl: Duration.seconds(60),
  lockWait: Duration.seconds(20),
  localTtl: Duration.seconds(30)
}

export class TokenManager extends Context.Service<
  TokenManager,
  {
    readonly get: <E, R>(
      source: TokenSource<E, R>,
      options?: {
        readonly rejected?: Redacted.Redacted<string> | undefined
        /** Refresh even a fresh token (the scheduler's at-least-daily rule); still single-flight. */
        readonly force?: boolean | undefined
      }
    ) => Effect.Effect<Redacted.Redacted<string>, E | LockTimeout, R>
    readonly withToken: <A, E, R, E2, R2>(
      source: TokenSource<E2, R2>,
      use: (token: Redacted.Redacted<string>) => Effect.Effect<A, E | TokenRejected, R>
    ) => Effect.Effect<A, E | E2 | LockTimeout | TokenStillRejected, R | R2>
    readonly invalidate: (cacheKey: string) => Effect.Effect<void>
  }
>()("tradeport/core/connections/TokenManager") {
  static readonly layer = (options: TokenManagerOptions = defaultOptions) =>
    Layer.effect(
      TokenManager,
      Effect.gen(function* () {
        const cache = yield* TokenCache
        const lock = yield* DistributedLock
        const local = new Map<string, { readonly token: CachedToken; readonly until: number }>()
        const keepLocally = (key: string, token: CachedToken, now: DateTime.Utc) =>
          local.set(key, { token, until: DateTime.toEpochMillis(now) + Duration.toMillis(options.localTtl) })
        const inFlight = new Map<string, Deferred.Deferred<Redacted.Redacted<string>, unknown>>()

        const usable = (token: CachedToken, now: DateTime.Utc, rejected: Redacted.Redacted<string> | undefined) =>
          freshness(Option.some(token.expiresAt), now, options.policy) === "fresh" &&
          (rejected === undefined || Redacted.value(token.token) !== Redacted.value(rejected))

        const degrade =
          <A>(fallback: A) =>
          (error: CacheError) =>
            Metric.update(Metric.withAttributes(fallbacks, { operation: error.operation }), 1).pipe(Effect.as(fallback))

        const remember = (key: string, token: CachedToken) =>
          Effect.gen(function* () {
            const now = yield* DateTime.now
            keepLocally(key, token, now)
            const ttl = cacheTtl(token.expiresAt, now, options.policy)
            yield* Metric.update(
              Metric.withAttributes(ttlGauge, { provider: key.split(":")[0] ?? "unknown" }),
              Math.max(0, (DateTime.toEpochMillis(token.expiresAt) - DateTime.toEpochMillis(now)) / 1000)
            )
            if (Duration.toMillis(ttl) > 0) yield* cache.set(key, token, ttl).pipe(Effect.catch(degrade(undefined)))
          })

        const fromShared = (key: string, rejected: Redacted.Redacted<string> | undefined) =>
          Effect.gen(function* () {
            const shared = yield* cache.get(key).pipe(Effect.catch(degrade(Option.none<CachedToken>())))
            const now = yield* DateTime.now
            if (Option.isSome(shared) && usable(shared.value, now, rejected)) {
              keepLocally(key, shared.value, now)
              yield* Metric.update(Metric.withAttributes(cacheHits, { layer: "redis" }), 1)
              return Option.some(shared.value.token)
            }
            return Option.none<Redacted.Redacted<string>>()
          })

        const obtain = <E, R>(
          source: TokenSource<E, R>,
          rejected: Redacted.Redacted<string> | undefined,
          force: boolean
        ) =>
          Effect.gen(function* () {
            const cached = force ? Option.none() : yield* fromShared(source.cacheKey, rejected)
            if (Option.isSome(cached)) return cached.value
            const underLock = Effect.gen(function* () {
              // Whoever held the lock before us may have refreshed already.
              const again = force ? Option.none() : yield* fromShared(source.cacheKey, rejected)
              if (Option.isSome(again)) return again.value
              const stored = force ? Option.none() : yield* source.stored
              if (Option.isSome(stored) && usable(stored.value, yield* DateTime.now, rejected)) {
                yield* remember(source.cacheKey, stored.value)
                return stored.value.token
              }
              const fresh = yield* source.refresh.pipe(
                Effect.tapError(() => Metric.update(Metric.withAttributes(refreshes, { outcome: "failure" }), 1))
              )
              yield* Metric.update(Metric.withAttributes(refreshes, { outcome: "success" }), 1)
              yield* remember(source.cacheKey, fresh)
              return fresh.token
            })
            return yield* lock
              .withLock(source.lockKey, { ttl: options.lockTtl, wait: options.lockWait })(underLock)
              .pipe(
                Effect.catchIf(
                  (error): error is CacheError => error instanceof CacheError,
                  // No shared lock: this process still refreshes at most once at a time (in-flight dedupe).
                  (error) => degrade(undefined)(error).pipe(Effect.andThen(underLock))
                )
              )
          })

        const get = <E, R>(
          source: TokenSource<E, R>,
          opts?: { readonly rejected?: Redacted.Redacted<string> | undefined; readonly force?: boolean | undefined }
        ) =>
          Effect.gen(function* () {
            const rejected = opts?.rejected
            const force = opts?.force === true
            const now = yield* DateTime.now
            const hit = local.get(source.cacheKey)
            if (
              !force &&
              hit !== undefined &&
              hit.until > DateTime.toEpochMillis(now) &&
              usable(hit.token, now, rejected)
            ) {
              yield* Metric.update(Metric.withAttributes(cacheHits, { layer: "local" }), 1)
              return hit.token.token
            }
            const running = inFlight.get(source.cacheKey)
            if (running !== undefined) {
              const shared = yield* Deferred.await(running).pipe(Effect.exit)
              if (
                Exit.isSuccess(shared) &&
                (rejected === undefined || Redacted.value(shared.value) !== Redacted.value(rejected))
              ) {
                return shared.value
              }
            }
            const deferred = yield* Deferred.make<Redacted.Redacted<string>, unknown>()
            inFlight.set(source.cacheKey, deferred)
            return yield* obtain(source, rejected, force).pipe(
              Effect.onExit((exit) =>
                Effect.sync(() => {
                  if (inFlight.get(source.cacheKey) === deferred) inFlight.delete(source.cacheKey)
                }).pipe(Effect.andThen(Deferred.done(deferred, exit)))
              )
            )
          }).pipe(Effect.withSpan("TokenManager.get", { attributes: { "token.key": source.cacheKey } }))

        return TokenManager.of({
          get,
          withToken: (source, use) =>
            Effect.gen(function* () {
              const token = yield* get(source)
              return yield* use(token).pipe(
                Effect.catchTag("TokenRejected", () =>
                  get(source, { rejected: token }).pipe(
                    Effect.flatMap(use),
                    Effect.catchTag("TokenRejected", () =>
                      Effect.fail(new TokenStillRejected({ key: source.cacheKey }))
                    )
                  )
                )
              )
            }),
          invalidate: (cacheKey) =>
            Effect.sync(() => local.delete(cacheKey)).pipe(
              Effect.andThen(cache.delete(cacheKey).pipe(Effect.catch(degrade(undefined))))
            )
        })
      })
    )
}
