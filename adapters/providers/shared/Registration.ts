/**
 * What a provider folder exports to join the catalogue: `register`, which loads the provider's settings (every
 * problem named, nothing thrown) and returns its descriptor with the capabilities it offers in this deployment.
 * Adapter-internal services (the HTTP client, the egress guard) are captured here; capabilities then need only
 * core ports at call time.
 */
import type { Config, Effect } from "effect"
import type { RegisteredProvider } from "../../../core/providers/ports/ProviderCatalogue.ts"

export interface Registration {
  readonly problems: ReadonlyArray<string>
  readonly provider: RegisteredProvider
}

export type Register<R> = (appEnv: string) => Effect.Effect<Registration, Config.ConfigError, R>
