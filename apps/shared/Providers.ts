/**
 * What provider adapters stand on: the resilient ProviderClient (HTTP, retries, circuit breakers) and the
 * TokenManager, over the token cache, lock and circuit store that Infrastructure chose (shared through Redis, or
 * in this process), the SSRF guard for user-supplied URLs, and the provider adapters configured for the whole
 * deployment (G2A, Shopify, Amazon Ads) and the provider catalogue built from them. Also registers the
 * `providers` readiness probe (degraded while any circuit is open).
 */
import { Config, Duration, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { CircuitBreaker } from "effect/persistence"
import { PolicyConfig, ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"
import { defaultOptions, TokenManager } from "../../core/connections/TokenManager.ts"
import { Readiness } from "../../core/ops/Readiness.ts"
import * as G2AMarketplace from "../../adapters/providers/g2a/G2AMarketplace.ts"
import { CatalogueLive } from "./Catalogue.ts"
import { ChannelsLive, EgressLive } from "./Channels.ts"
import { G2ALive } from "./G2A.ts"
import { NotifierLive } from "./Notifications.ts"

const CircuitConfig = Config.all({
  failures: Config.Int("PROVIDER_CIRCUIT_FAILURES").pipe(Config.withDefault(5)),
  cooldown: Config.Duration("PROVIDER_CIRCUIT_COOLDOWN").pipe(Config.withDefault(Duration.seconds(30)))
})

const probe = Layer.effectDiscard(
  Effect.gen(function* () {
    const readiness = yield* Readiness
    const client = yield* ProviderClient
    yield* readiness.register({
      name: "providers",
      critical: false,
      check: client.circuits.pipe(
        Effect.map((circuits) => {
          const open = circuits.filter((c) => c.state !== "Closed").map((c) => `${c.key}:${c.state}`)
          return open.length === 0
            ? { status: "up" as const, detail: `${circuits.length} circuit(s) closed` }
            : { status: "degraded" as const, detail: `open: ${open.join(", ")}` }
        })
      )
    })
  })
)

export const ProvidersLive = Layer.unwrap(
  Effect.gen(function* () {
    const policy = yield* PolicyConfig
    const circuit = yield* CircuitConfig
    const client = ProviderClient.layer(policy).pipe(
      Layer.provide(
        CircuitBreaker.layer({
          tripPolicy: CircuitBreaker.consecutive(circuit.failures),
          openDuration: circuit.cooldown
        })
      ),
      Layer.provide(FetchHttpClient.layer),
      Layer.provideMerge(EgressLive)
    )
    const tokens = TokenManager.layer(defaultOptions)
    const deploymentClients = Layer.mergeAll(G2ALive, ChannelsLive).pipe(Layer.provide(tokens))
    const catalogue = Layer.mergeAll(CatalogueLive, G2AMarketplace.layer).pipe(Layer.provideMerge(deploymentClients))
    return Layer.mergeAll(catalogue, probe, NotifierLive).pipe(Layer.provideMerge(tokens), Layer.provideMerge(client))
  })
)
