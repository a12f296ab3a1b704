/**
 * Advertising accounts (Amazon Ads): the profiles an account may act for, and choosing the one Tradeport uses. An
 * ads provider registers an AdsAdapter in the catalogue; the profiles are read live with the connection's token.
 */
import { Effect, Option, Schema } from "effect"
import type { ChannelFeedError } from "../channels/ChannelSync.ts"
import type { ConnectionId, OpenedConnection } from "../connections/Connection.ts"
import * as Connections from "../connections/Connections.ts"
import type { Principal } from "../identity/Principal.ts"
import { requireRole } from "../identity/Roles.ts"
import { ProviderCatalogue, type ProviderServices } from "../providers/ports/ProviderCatalogue.ts"

/** The regions an advertising account lives in (Amazon Ads: North America, Europe, Far East). */
export const AdsRegion = Schema.Literals(["NA", "EU", "FE"])
export type AdsRegion = typeof AdsRegion.Type

export interface AdProfile {
  readonly profileId: string
  readonly countryCode: string
  readonly currencyCode: string
  readonly accountId: string
  readonly accountType: string
  readonly accountName: string | null
}

export interface AdsAdapter {
  readonly profiles: (
    account: OpenedConnection
  ) => Effect.Effect<ReadonlyArray<AdProfile>, ChannelFeedError, ProviderServices>
}

/** The connection is not an advertising account (or its provider is not configured here). */
export class AdsRefused extends Schema.TaggedError<AdsRefused>()("AdsRefused", {
  reason: Schema.Literals(["not_an_ads_account", "not_configured", "disconnected"])
}) {}

/** The profile chosen is not one the account may act for. */
export class UnknownProfile extends Schema.TaggedError<UnknownProfile>()("UnknownProfile", {}) {}

const profilesOf = (principal: Principal, id: ConnectionId) =>
  Effect.gen(function* () {
    const { connection, opened } = yield* Connections.open(principal.organizationId, id)
    const registered = (yield* ProviderCatalogue).find(connection.provider)
    const ads = registered.pipe(Option.flatMapNullishOr((p) => p.ads))
    if (Option.isNone(ads)) {
      const known = Option.exists(registered, (p) => p.descriptor.kind === "ads")
      return yield* new AdsRefused({ reason: known ? "not_configured" : "not_an_ads_account" })
    }
    if (Option.isNone(opened)) return yield* new AdsRefused({ reason: "disconnected" })
    return { connection, profiles: yield* ads.value.profiles(opened.value) }
  })

export const profiles = Effect.fn("Advertising.profiles")(function* (principal: Principal, id: ConnectionId) {
  const { connection, profiles } = yield* profilesOf(principal, id)
  return { profiles, selected: connection.settings["profileId"] ?? null }
})

/** Chooses the profile Tradeport acts for (admins; audited as a settings change). */
export const selectProfile = Effect.fn("Advertising.selectProfile")(function* (
  principal: Principal,
  id: ConnectionId,
  profileId: string
) {
  yield* requireRole(principal.role, "admin")
  const { profiles } = yield* profilesOf(principal, id)
  if (!profiles.some((p) => p.profileId === profileId)) return yield* new UnknownProfile()
  return yield* Connections.changeSettings(principal, id, { profileId })
})
