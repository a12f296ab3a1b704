/** Where connection tokens live in the caches: `{provider}:token:{env}:{connection}`. */
import { Context } from "effect"
import type { ProviderKind } from "./Connection.ts"

export const cacheKeyFor = (provider: ProviderKind, env: string, connectionId: string) => `${provider}:token:${env}:${connectionId}`

/** The provider environment in cache keys (`sandbox`, `live`…): set once per deployment by the app. */
export class TokenEnvironment extends Context.Reference<string>("tradeport/core/connections/TokenEnvironment", {
  defaultValue: () => "live"
}) {}
