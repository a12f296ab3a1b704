/**
 * WooCommerce in the provider catalogue: a sales channel connected by key exchange (the store posts REST API keys
 * back), read with those keys, its webhooks signed with a secret Tradeport chose for the connection. Always
 * configured: every store is reached at its own URL, through the egress guard.
 */
import { Config, Effect, Stream } from "effect"
import { channelApplier } from "../../../core/channels/ChannelEvents.ts"
import { ConnectField, ProviderDescriptor } from "../../../core/providers/Provider.ts"
import { EgressGuard } from "../shared/Egress.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import type { Register } from "../shared/Registration.ts"
import { connectAdapter } from "./connect.ts"
import * as WooClient from "./WooClient.ts"
import * as Woo from "./WooContract.ts"

export const descriptor = new ProviderDescriptor({
  id: "woocommerce",
  displayName: "WooCommerce",
  kind: "channel",
  auth: "key_exchange",
  scopes: ["read_write"],
  endpoints: { live: "{store URL}" },
  refresh: "none",
  webhooks: "connection_secret",
  capabilities: ["orders", "webhooks"],
  connectFields: [
    new ConnectField({ name: "store_url", label: "Store URL", input: "url", placeholder: "https://shop.example.com" })
  ],
  documentation: "https://woocommerce.github.io/woocommerce-rest-api-docs/"
})

/** The app name shown on the store's consent page. */
const AppName = Config.String("WOOCOMMERCE_APP_NAME").pipe(Config.withDefault("Tradeport"))

export const register: Register<ProviderClient | EgressGuard> = () =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const egress = yield* EgressGuard
    const appName = yield* AppName
    return {
      problems: [],
      provider: {
        descriptor,
        configured: true,
        channel: {
          orders: (account) => (since) =>
            WooClient.orders({ store: account.connection.externalAccount, credentials: account.credentials })(
              since
            ).pipe(Stream.provideService(ProviderClient, client))
        },
        webhooks: {
          policy: Woo.policy,
          secrets: { _tag: "Connection" },
          applier: channelApplier(Woo.decodeEvent),
          // WooCommerce pings a new webhook's URL unsigned (`webhook_id=N`); a refusal would make it drop the webhook.
          isPing: (delivery) => Woo.isPing(delivery.headers, delivery.rawBody)
        },
        connect: connectAdapter({ appName, egress, client })
      }
    }
  })
