import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Option } from "effect"
import * as Lifecycle from "../../core/connections/TokenLifecycle.ts"

const now = DateTime.makeUnsafe("2026-01-01T12:00:00Z")
const at = (minutes: number) => Option.some(DateTime.addDuration(now, Duration.minutes(minutes)))
const iso = (t: DateTime.Utc) => DateTime.formatIso(t)

describe("token lifecycle policy", () => {
  it("fresh, due within the margin, expired at or after expiry; no expiry never needs refresh", () => {
    assert.strictEqual(Lifecycle.freshness(at(60), now), "fresh")
    assert.strictEqual(Lifecycle.freshness(at(5), now), "due")
    assert.strictEqual(Lifecycle.freshness(at(1), now), "due")
    assert.strictEqual(Lifecycle.freshness(at(0), now), "expired")
    assert.strictEqual(Lifecycle.freshness(at(-10), now), "expired")
    assert.strictEqual(Lifecycle.freshness(Option.none(), now), "fresh")
  })

  it("believes a sane expires_in, clamps an absurd one and assumes a lifetime when it is missing or garbled", () => {
    assert.strictEqual(iso(Lifecycle.expiryFrom(3600, now)), "2026-01-01T13:00:00.000Z")
    assert.strictEqual(iso(Lifecycle.expiryFrom("3599", now)), "2026-01-01T12:59:59.000Z")
    for (const garbage of [undefined, null, 0, -5, "soon", Number.NaN, {}]) {
      assert.strictEqual(iso(Lifecycle.expiryFrom(garbage, now)), "2026-01-01T12:30:00.000Z", String(garbage))
    }
    assert.strictEqual(iso(Lifecycle.expiryFrom(10 ** 12, now)), "2026-01-02T12:00:00.000Z")
  })

  it("caches for the remaining lifetime less the margin, never negative", () => {
    assert.strictEqual(
      Duration.toMillis(Lifecycle.cacheTtl(DateTime.addDuration(now, Duration.minutes(60)), now)),
      55 * 60_000
    )
    assert.strictEqual(Duration.toMillis(Lifecycle.cacheTtl(DateTime.addDuration(now, Duration.minutes(2)), now)), 0)
    assert.strictEqual(
      iso(Lifecycle.refreshDueAt(DateTime.addDuration(now, Duration.minutes(60)))),
      "2026-01-01T12:55:00.000Z"
    )
  })

  it("invalid_grant and bad client credentials are permanent; throttling, 5xx and network failures transient", () => {
    assert.strictEqual(Lifecycle.classifyRefreshFailure({ status: 400, oauthError: "invalid_grant" }), "permanent")
    assert.strictEqual(Lifecycle.classifyRefreshFailure({ status: 401, oauthError: "invalid_client" }), "permanent")
    assert.strictEqual(Lifecycle.classifyRefreshFailure({ status: 401 }), "permanent")
    assert.strictEqual(Lifecycle.classifyRefreshFailure({ status: 429 }), "transient")
    assert.strictEqual(
      Lifecycle.classifyRefreshFailure({ status: 503, oauthError: "temporarily_unavailable" }),
      "transient"
    )
    assert.strictEqual(Lifecycle.classifyRefreshFailure({}), "transient")
  })
})
