/** Where connection tokens live in the caches: `{provider}:token:{env}:{connection}`. */
import { Context } from "effect"
import type { ProviderId } from "./Connection.ts"

export const cacheKeyFor = (provider: ProviderId, env: string, connectionId: string) =>
  `${provider}:token:${env}:${connectionId}`

/** The provider environment in cache keys (`sandbox`, `live`…): set once per deployment by the app. */
export class TokenEnvironment extends Context.Reference<string>("tradeport/core/connections/TokenEnvironment", {
  defaultValue: () => "live"
}) {}
