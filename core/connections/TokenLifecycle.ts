/**
 * Token lifecycle policy, pure: when a token is fresh, due for refresh or expired; what expiry to believe when a
 * provider's answer lacks (or garbles) `expires_in`; and whether a refresh failure is permanent (the user must
 * re-authorise) or transient (try again later). No I/O: the token manager and the scheduler apply it.
 */
import { DateTime, Duration, Option } from "effect"

export interface LifecyclePolicy {
  /** Refresh this long before expiry. */
  readonly margin: Duration.Duration
  /** Assumed lifetime when a token response has no usable `expires_in` (never "forever"). */
  readonly assumedLifetime: Duration.Duration
  /** Longest lifetime we believe; anything longer is clamped (a typo'd `expires_in` must not disable refresh). */
  readonly maxLifetime: Duration.Duration
}

export const defaultPolicy: LifecyclePolicy = {
  margin: Duration.minutes(5),
  assumedLifetime: Duration.minutes(30),
  maxLifetime: Duration.days(1)
}

export type Freshness = "fresh" | "due" | "expired"

/** No expiry means the credential does not expire (API keys, non-expiring offline tokens). */
export const freshness = (
  expiresAt: Option.Option<DateTime.Utc>,
  now: DateTime.Utc,
  policy: LifecyclePolicy = defaultPolicy
): Freshness => {
  if (Option.isNone(expiresAt)) return "fresh"
  const left = DateTime.toEpochMillis(expiresAt.value) - DateTime.toEpochMillis(now)
  if (left <= 0) return "expired"
  return left <= Duration.toMillis(policy.margin) ? "due" : "fresh"
}

/** When a refresh should happen: `margin` before expiry. */
export const refreshDueAt = (expiresAt: DateTime.Utc, policy: LifecyclePolicy = defaultPolicy) =>
  DateTime.subtractDuration(expiresAt, policy.margin)

/**
 * The expiry to store for a token response. `expires_in` may be missing, a string, zero, negative or absurd:
 * each is treated defensively (assumed lifetime, clamped to the maximum), never as "does not expire".
 */
export const expiryFrom = (
  expiresIn: unknown,
  now: DateTime.Utc,
  policy: LifecyclePolicy = defaultPolicy
): DateTime.Utc => {
  const seconds =
    typeof expiresIn === "number" ? expiresIn : typeof expiresIn === "string" ? Number(expiresIn) : Number.NaN
  const lifetime =
    Number.isFinite(seconds) && seconds > 0
      ? Duration.min(Duration.seconds(Math.floor(seconds)), policy.maxLifetime)
      : policy.assumedLifetime
  return DateTime.addDuration(now, lifetime)
}

/** How long a token may be cached: its remaining lifetime less the margin (never negative). */
export const cacheTtl = (expiresAt: DateTime.Utc, now: DateTime.Utc, policy: LifecyclePolicy = defaultPolicy) =>
  Duration.millis(
    Math.max(0, DateTime.toEpochMillis(expiresAt) - DateTime.toEpochMillis(now) - Duration.toMillis(policy.margin))
  )

export type FailureKind = "permanent" | "transient"

const PERMANENT_OAUTH_ERRORS = new Set([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "access_denied",
  "invalid_token"
])

/**
 * Classifies a failed token request. OAuth's `invalid_grant` (revoked or used refresh token) and bad client
 * credentials need a human; throttling, server errors, timeouts and network failures pass.
 */
export const classifyRefreshFailure = (failure: {
  readonly status?: number | undefined
  readonly oauthError?: string | undefined
}): FailureKind => {
  if (failure.oauthError !== undefined && PERMANENT_OAUTH_ERRORS.has(failure.oauthError)) return "permanent"
  if (failure.status === undefined) return "transient"
  if (failure.status === 429 || failure.status === 408 || failure.status >= 500) return "transient"
  return failure.status === 400 || failure.status === 401 || failure.status === 403 ? "permanent" : "transient"
}
