/**
 * Custom sources in the provider catalogue, for systems pushing order events in Tradeport's own vocabulary, signed
 * the Standard Webhooks way with a secret Tradeport issues per source.
 */
import { Effect } from "effect"
import { ProviderDescriptor } from "../../../core/providers/Provider.ts"
import * as StandardWebhooks from "../../../core/webhooks/StandardWebhooks.ts"
import { applyOrderEvent } from "../../../core/webhooks/OrderEvents.ts"
import type { Register } from "../shared/Registration.ts"

export const descriptor = new ProviderDescriptor({
  id: "custom",
  displayName: "Custom source",
  kind: "source",
  auth: "signing_secret",
  scopes: [],
  endpoints: {},
  refresh: "none",
  webhooks: "connection_secret",
  capabilities: ["webhooks"],
  connectFields: [],
  documentation: "https://www.standardwebhooks.com/"
})

export const register: Register<never> = () =>
  Effect.succeed({
    problems: [],
    provider: {
      descriptor,
      configured: true,
      webhooks: { policy: StandardWebhooks.policy("custom"), secrets: { _tag: "Connection" }, applier: applyOrderEvent }
    }
  })
