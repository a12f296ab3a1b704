/**
 * Shopify in the provider catalogue: a sales channel installed by OAuth (authorization code, expiring offline
 * tokens refreshed with their rotating refresh token), whose webhooks are signed with the app's secret(s).
 * Configured when SHOPIFY_CLIENT_ID is set (ShopifyClient loads and checks the settings).
 */
import { Effect, Option } from "effect"
import { channelApplier } from "../../../core/channels/ChannelEvents.ts"
import { ConnectField, ProviderDescriptor } from "../../../core/providers/Provider.ts"
import type { Register } from "../shared/Registration.ts"
import { connectAdapter } from "./connect.ts"
import { ShopifyClient } from "./ShopifyClient.ts"
import * as ShopifyWebhook from "./webhook.ts"

export const descriptor = (scopes: ReadonlyArray<string>) =>
  new ProviderDescriptor({
    id: "shopify",
    displayName: "Shopify",
    kind: "channel",
    auth: "authorization_code",
    scopes,
    endpoints: { live: "https://{shop}.myshopify.com" },
    refresh: "refresh_token",
    webhooks: "app_secret",
    capabilities: ["orders", "webhooks"],
    connectFields: [
      new ConnectField({
        name: "shop",
        label: "Shop domain",
        input: "text",
        placeholder: "your-store.myshopify.com",
        pattern: "[a-zA-Z0-9][a-zA-Z0-9\\-]*\\.myshopify\\.com"
      })
    ],
    documentation: "https://shopify.dev/docs/api/admin-graphql"
  })

export const register: Register<ShopifyClient> = () =>
  Effect.gen(function* () {
    const { api } = yield* ShopifyClient
    if (Option.isNone(api)) return { problems: [], provider: { descriptor: descriptor([]), configured: false } }
    const shopify = api.value
    return {
      problems: [],
      provider: {
        descriptor: descriptor(shopify.settings.scopes),
        configured: true,
        channel: {
          orders: (account) =>
            shopify.orders(account.connection.organizationId, account.connection.id, account.connection.externalAccount)
        },
        webhooks: {
          policy: ShopifyWebhook.policy,
          secrets: {
            _tag: "App",
            secrets: [shopify.settings.clientSecret, ...Option.toArray(shopify.settings.previousSecret)]
          },
          applier: channelApplier(ShopifyWebhook.decodeEvent)
        },
        refreshGrant: shopify.refreshGrant,
        connect: connectAdapter(shopify)
      }
    }
  })
