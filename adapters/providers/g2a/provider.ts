/**
 * G2A in the provider catalogue: the marketplace the deployment buys from with its own account (configured by the
 * operator: G2A_API_KEY), whose order-status webhooks arrive at the account's endpoint and are routed to the
 * organisation that made the purchase.
 */
import { Effect, Option } from "effect"
import { applyG2AEvent, g2aAccountSource } from "../../../core/marketplace/PurchaseEvents.ts"
import { ProviderDescriptor } from "../../../core/providers/Provider.ts"
import type { Register } from "../shared/Registration.ts"
import { G2AClient } from "./G2AClient.ts"
import * as G2AWebhook from "./webhook.ts"

export const descriptor = (endpoints: Readonly<Record<string, string>>) =>
  new ProviderDescriptor({
    id: "g2a",
    displayName: "G2A",
    kind: "marketplace",
    auth: "deployment_account",
    scopes: [],
    endpoints,
    refresh: "deployment_account",
    webhooks: "account_secret",
    capabilities: ["catalog", "purchases", "webhooks"],
    connectFields: [],
    documentation: "https://www.g2a.com/integration-api/documentation/"
  })

export const register: Register<G2AClient> = () =>
  Effect.gen(function* () {
    const client = yield* G2AClient
    const configured = Option.isSome(client.account)
    const endpoints = configured ? { export: client.settings.exportUrl, import: client.settings.importUrl } : {}
    return {
      problems: [],
      provider: {
        descriptor: descriptor(endpoints),
        configured,
        webhooks: {
          policy: G2AWebhook.policy,
          secrets: { _tag: "Connection" },
          applier: applyG2AEvent,
          account: Option.getOrUndefined(Option.map(client.account, g2aAccountSource))
        }
      }
    }
  })
