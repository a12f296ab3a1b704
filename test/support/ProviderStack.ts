/** The resilient provider client over a real HTTP client and an in-memory circuit store, for tests. */
import { Duration, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { CircuitBreaker } from "effect/persistence"
import { type ClientPolicy, ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"

/**
 * The attempt timeout is long enough for the first request to a fresh fake on a loaded machine (200 ms was exceeded
 * at load average 9 on 2 cores, turning an expected 503 into a timeout); tests about timeouts use a hanging fake
 * (one real timeout) or the TestClock.
 */
export const testPolicy: ClientPolicy = {
  timeout: Duration.seconds(5),
  retries: 2,
  baseDelay: Duration.millis(10),
  maxDelay: Duration.millis(100)
}

export const providerClient = (policy: ClientPolicy = testPolicy, openFor: Duration.Input = "400 millis") =>
  ProviderClient.layer(policy).pipe(
    Layer.provide(
      CircuitBreaker.layer({ tripPolicy: CircuitBreaker.consecutive(5), openDuration: openFor }).pipe(
        Layer.provide(CircuitBreaker.layerStoreMemory())
      )
    ),
    Layer.provide(FetchHttpClient.layer)
  )
