/**
 * The shared resilience policy against a real (fake) HTTP provider: what is retried and what is not, Retry-After,
 * and the circuit breaker opening after 5 consecutive failures, failing fast, probing and closing.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { HttpClientRequest } from "effect/http"
import { type ClientPolicy, ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"
import { scripted, startFakeServer } from "../fakes/FakeServer.ts"
import { until } from "../support/Eventually.ts"
import { providerClient, testPolicy } from "../support/ProviderStack.ts"

const withFake = <A, E>(
  handler: Parameters<typeof startFakeServer>[0],
  body: (url: string, count: () => number) => Effect.Effect<A, E, ProviderClient>,
  policy: ClientPolicy = testPolicy
) =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeServer(handler)),
    (fake) => Effect.promise(fake.close)
  ).pipe(
    Effect.flatMap((fake) => body(fake.url, () => fake.count())),
    Effect.provide(Layer.fresh(providerClient(policy))),
    Effect.scoped
  )

const get = (url: string) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    return yield* client.execute(HttpClientRequest.get(`${url}/orders`), { provider: "fake", operation: "/orders" })
  })

describe("provider client policy", () => {
  it.live("5xx twice then 200: retried, succeeds on the third attempt", () =>
    withFake(scripted([{ status: 503 }, { status: 502 }, { status: 200, json: { ok: true } }]), (url, count) =>
      Effect.gen(function* () {
        const response = yield* get(url)
        assert.strictEqual(response.status, 200)
        assert.strictEqual(count(), 3)
      })
    )
  )

  it.live(
    "a non-idempotent request (a refresh-token grant) is not re-sent after a 5xx or timeout, only after 429",
    () =>
      withFake(scripted([{ status: 503 }, { status: 200, json: {} }]), (url, count) =>
        Effect.gen(function* () {
          const client = yield* ProviderClient
          const once = yield* Effect.flip(
            client.execute(HttpClientRequest.post(`${url}/oauth/token`), {
              provider: "fake",
              operation: "/oauth/token",
              idempotent: false
            })
          )
          assert.strictEqual(once.reason, "Unavailable")
          assert.strictEqual(count(), 1, "the possibly-processed grant was not sent twice")
        })
      )
  )

  it.live("a Retry-After longer than the longest backoff ends the call with RateLimited instead of stalling it", () =>
    withFake(
      scripted([
        { status: 429, headers: { "retry-after": "3600" } },
        { status: 200, json: {} }
      ]),
      (url, count) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(get(url))
          assert.strictEqual(error.reason, "RateLimited")
          assert.strictEqual(error.retryAfterSeconds, 3600)
          assert.strictEqual(count(), 1)
        })
    )
  )

  it.live("a 400 is never retried and reports the provider's error code", () =>
    withFake(scripted([{ status: 400, json: { error: "invalid_request" } }]), (url, count) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(get(url))
        assert.strictEqual(error.reason, "Rejected")
        assert.strictEqual(error.detail, "invalid_request")
        assert.strictEqual(count(), 1)
      })
    )
  )

  it.live("a 401 is not retried here (the token manager owns refresh-on-401)", () =>
    withFake(scripted([{ status: 401 }]), (url, count) =>
      Effect.gen(function* () {
        assert.strictEqual((yield* Effect.flip(get(url))).reason, "Unauthorized")
        assert.strictEqual(count(), 1)
      })
    )
  )

  it.live(
    "429 honours Retry-After before the next attempt",
    () =>
      withFake(
        scripted([
          { status: 429, headers: { "retry-after": "1" } },
          { status: 200, json: {} }
        ]),
        (url, count) =>
          Effect.gen(function* () {
            const started = Date.now()
            assert.strictEqual((yield* get(url)).status, 200)
            assert.isAtLeast(Date.now() - started, 950, "waited what Retry-After asked")
            assert.strictEqual(count(), 2)
          }),
        { ...testPolicy, maxDelay: Duration.seconds(2) }
      ),
    10_000
  )

  it.live("dropped connections and timeouts are retried, then reported as such", () =>
    withFake(scripted([{ drop: true }, { hang: true }, { drop: true }]), (url, count) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(get(url))
        assert.include(["Unavailable", "Timeout"], error.reason)
        assert.strictEqual(count(), 3, "1 attempt + 2 retries")
      })
    )
  )

  // On the TestClock: the attempts' 200 ms timeouts and the circuit's 400 ms open period are Clock time. The clock
  // moves only once the hanging fake has each attempt, so no timeout fires before its request arrived and the circuit
  // cannot half-open between two steps, however slow the machine.
  it.effect(
    "5 consecutive timeouts open the circuit; calls then fail fast without reaching the provider; a probe closes it",
    () =>
      Effect.gen(function* () {
        let healthy = false
        const fake = yield* Effect.acquireRelease(
          Effect.promise(() => startFakeServer(() => (healthy ? { status: 200, json: { ok: true } } : { hang: true }))),
          (f) => Effect.promise(f.close)
        )
        const client = yield* ProviderClient
        const call = client.execute(HttpClientRequest.get(`${fake.url}/rates`), {
          provider: "carrier",
          operation: "/rates"
        })
        /** Once the fake holds attempt `n`: its timeout runs out, then the backoff before the next attempt. */
        const timeOut = (n: number) =>
          Effect.gen(function* () {
            yield* until(`attempt ${n} reached the provider`, () => fake.count() >= n)
            yield* TestClock.adjust(Duration.sum(testPolicy.timeout, testPolicy.maxDelay))
          })
        // Two calls of 1 + 2 attempts: the 5th timed-out attempt opens the circuit and the 6th fails fast.
        const first = yield* Effect.forkChild(Effect.flip(call))
        for (const n of [1, 2, 3]) yield* timeOut(n)
        assert.strictEqual((yield* Fiber.join(first)).reason, "Timeout")
        const second = yield* Effect.forkChild(Effect.flip(call))
        for (const n of [4, 5]) yield* timeOut(n)
        assert.strictEqual((yield* Fiber.join(second)).reason, "CircuitOpen")
        assert.strictEqual(fake.count(), 5)
        // Fails fast: it returns without the clock moving at all (a call that waited for a timeout would not return).
        assert.strictEqual((yield* Effect.flip(call)).reason, "CircuitOpen")
        assert.strictEqual(fake.count(), 5, "nothing reached the provider while open")
        assert.deepStrictEqual(yield* client.circuits, [{ key: "carrier", state: "Open" }])
        healthy = true
        yield* TestClock.adjust("400 millis")
        assert.strictEqual((yield* call).status, 200, "the half-open probe succeeds")
        assert.deepStrictEqual(yield* client.circuits, [{ key: "carrier", state: "Closed" }])
        assert.strictEqual(fake.count(), 6)
      }).pipe(Effect.provide(Layer.fresh(providerClient(testPolicy, "400 millis"))), Effect.scoped)
  )
})
