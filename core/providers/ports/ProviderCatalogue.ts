/**
 * Port: the providers this deployment knows, each with its descriptor and the capabilities its adapters register
 * (carrier operations, a channel's order feed, webhook verification and effects, a token refresh grant, a connect flow, advertising profiles). Use cases look a provider up here and use what it offers; a provider that does not offer a capability
 * simply has none, so no code outside the catalogue branches on provider ids. Built once at startup by the apps
 * from the list of provider registrations.
 */
import { Context, Effect, Option } from "effect"
import type { AuditLog } from "../../audit/ports/AuditLog.ts"
import type { AdsAdapter } from "../../advertising/Advertising.ts"
import type { ChannelAdapter } from "../../channels/ChannelSync.ts"
import type { ConnectAdapter } from "../../connections/Connect.ts"
import type { Grant } from "../../connections/RefreshRunner.ts"
import type { ConnectionRepository } from "../../connections/ports/ConnectionRepository.ts"
import type { CredentialVault } from "../../connections/ports/CredentialVault.ts"
import type { TokenManager } from "../../connections/TokenManager.ts"
import type { Notifier } from "../../notifications/ports/Notifier.ts"
import type { Transactions } from "../../shared/ports/Transactions.ts"
import type { CarrierAdapter } from "../../shipping/Carrier.ts"
import type { WebhookAdapter } from "../../webhooks/Receive.ts"
import type { ProviderDescriptor, ProviderId } from "../Provider.ts"

/**
 * What provider capabilities may use from the core when they run: the connection's token machinery and storage.
 * Everything technology-specific (HTTP client, settings) is captured by the adapter when it registers.
 */
export type ProviderServices =
  | TokenManager
  | ConnectionRepository
  | CredentialVault
  | AuditLog
  | Transactions
  | Notifier

export interface RegisteredProvider {
  readonly descriptor: ProviderDescriptor
  /** False when the deployment lacks what the provider needs (app credentials…): its capabilities are then absent. */
  readonly configured: boolean
  readonly carrier?: CarrierAdapter | undefined
  readonly channel?: ChannelAdapter | undefined
  readonly webhooks?: WebhookAdapter | undefined
  /** How expiring tokens of this provider's connections are renewed by the scheduler. */
  readonly refreshGrant?: Grant<never> | undefined
  /** How a merchant connects an account in the browser (authorization code or key exchange). */
  readonly connect?: ConnectAdapter | undefined
  /** An advertising account's profiles (the ones it may act for). */
  readonly ads?: AdsAdapter | undefined
}

export interface ProviderCatalogueShape {
  readonly providers: ReadonlyArray<RegisteredProvider>
  readonly find: (id: ProviderId) => Option.Option<RegisteredProvider>
}

export class ProviderCatalogue extends Context.Service<ProviderCatalogue, ProviderCatalogueShape>()(
  "tradeport/core/providers/ports/ProviderCatalogue"
) {
  /** A catalogue over registrations; two registrations with one id are a programming error (a defect). */
  static fromRegistrations(providers: ReadonlyArray<RegisteredProvider>): Effect.Effect<ProviderCatalogueShape> {
    const byId = new Map<string, RegisteredProvider>()
    for (const provider of providers) {
      if (byId.has(provider.descriptor.id)) return Effect.die(`provider ${provider.descriptor.id} registered twice`)
      byId.set(provider.descriptor.id, provider)
    }
    return Effect.succeed({ providers, find: (id) => Option.fromNullishOr(byId.get(id)) })
  }
}
