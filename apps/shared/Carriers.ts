/**
 * Carriers in the apps: each carrier's API base URL per environment (validated at startup, every problem named
 * at once), a CarrierApi for any carrier connection (its account number and settings read from the sealed
 * credentials), and the refresh grants the scheduler uses to keep carrier tokens fresh.
 */
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { carrier as dhlCarrier } from "../../adapters/providers/dhl/DhlClient.ts"
import * as Dhl from "../../adapters/providers/dhl/DhlContract.ts"
import { carrier as fedexCarrier } from "../../adapters/providers/fedex/FedExClient.ts"
import * as FedEx from "../../adapters/providers/fedex/FedExContract.ts"
import { type CarrierEndpoints, loadBaseUrl, refreshGrant } from "../../adapters/providers/shared/Carriers.ts"
import type { Connection } from "../../core/connections/Connection.ts"
import { readCredentials } from "../../core/connections/Connections.ts"
import type { CarrierKind } from "../../core/shipping/Shipment.ts"
import { AppEnv, StartupError } from "./Environment.ts"

export class CarrierEndpointsConfig extends Context.Service<CarrierEndpointsConfig, Readonly<Record<CarrierKind, CarrierEndpoints>>>()(
  "tradeport/apps/shared/CarrierEndpoints"
) {}

export const CarriersLive = Layer.effect(
  CarrierEndpointsConfig,
  Effect.gen(function*() {
    const appEnv = yield* AppEnv
    const fedex = yield* loadBaseUrl("fedex", FedEx.HOSTS, appEnv)
    const dhl = yield* loadBaseUrl("dhl", Dhl.HOSTS, appEnv)
    const problems = [...fedex.problems, ...dhl.problems]
    if (problems.length > 0) return yield* new StartupError({ problems })
    return {
      fedex: { carrier: "fedex", baseUrl: fedex.base, tokenPath: FedEx.TOKEN_PATH },
      dhl: { carrier: "dhl", baseUrl: dhl.base, tokenPath: Dhl.TOKEN_PATH }
    }
  })
)

export const isCarrier = (provider: string): provider is CarrierKind => provider === "fedex" || provider === "dhl"

/** The operations of a carrier connection; none for connections that are not carrier accounts. */
export const carrierApi = (connection: Connection) =>
  Effect.gen(function*() {
    const endpoints = yield* CarrierEndpointsConfig
    const { provider } = connection
    if (!isCarrier(provider)) return Option.none()
    const { credentials } = yield* readCredentials(connection.organizationId, connection.id)
    const c = Redacted.value(credentials)
    const accountNumber = c["accountNumber"] ?? connection.externalAccount
    return Option.some(provider === "fedex"
      ? fedexCarrier(endpoints.fedex, connection.organizationId, connection.id, accountNumber)
      : dhlCarrier(endpoints.dhl, connection.organizationId, connection.id, { pickup: accountNumber, distributionCenter: c["distributionCenter"] ?? "" }))
  })

/** Carrier tokens are client-credentials grants: the scheduler refreshes them like any expiring token. */
export const carrierRefreshGrants = Effect.gen(function*() {
  const endpoints = yield* CarrierEndpointsConfig
  return [["fedex", refreshGrant(endpoints.fedex)], ["dhl", refreshGrant(endpoints.dhl)]] as const
})
