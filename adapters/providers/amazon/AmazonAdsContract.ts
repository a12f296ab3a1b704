/**
 * Amazon Ads with Login with Amazon (seed 003): the regions and their hosts, the authorization request, the
 * profiles answer. Authorization codes live 5 minutes, access tokens 60, refresh tokens (`Atzr|…`) until revoked.
 * API calls carry `Amazon-Advertising-API-ClientId` (and `Amazon-Advertising-API-Scope` = a profile id). No I/O.
 */
import { Schema } from "effect"
import { AdsRegion } from "../../../core/advertising/Advertising.ts"

export const Region = AdsRegion
export type Region = AdsRegion

export const SCOPE = "advertising::campaign_management"

export interface RegionHosts {
  readonly authorize: string
  readonly token: string
  readonly api: string
}

export const HOSTS: Readonly<Record<Region, RegionHosts>> = {
  NA: {
    authorize: "https://www.amazon.com/ap/oa",
    token: "https://api.amazon.com/auth/o2/token",
    api: "https://advertising-api.amazon.com"
  },
  EU: {
    authorize: "https://eu.account.amazon.com/ap/oa",
    token: "https://api.amazon.co.uk/auth/o2/token",
    api: "https://advertising-api-eu.amazon.com"
  },
  FE: {
    authorize: "https://apac.account.amazon.com/ap/oa",
    token: "https://api.amazon.co.jp/auth/o2/token",
    api: "https://advertising-api-fe.amazon.com"
  }
}

/** A development fake serving every region under `{origin}/{region}` (never in production). */
export const hostsAt = (origin: string): Readonly<Record<Region, RegionHosts>> => {
  const at = (region: Region) => ({
    authorize: `${origin}/${region}/ap/oa`,
    token: `${origin}/${region}/auth/o2/token`,
    api: `${origin}/${region}/ads`
  })
  return { NA: at("NA"), EU: at("EU"), FE: at("FE") }
}

export const authorizeUrl = (
  hosts: RegionHosts,
  clientId: string,
  state: string,
  redirectUri: string,
  codeChallenge: string
) =>
  `${hosts.authorize}?${new URLSearchParams({
    client_id: clientId,
    scope: SCOPE,
    response_type: "code",
    redirect_uri: redirectUri,
    state,
    code_challenge: codeChallenge,
    code_challenge_method: "S256"
  }).toString()}`

export const ProfileWire = Schema.Struct({
  /** Int64 on the wire: read as text (`quoteProfileIds`) so no digit is lost to JavaScript numbers. */
  profileId: Schema.String,
  countryCode: Schema.String,
  currencyCode: Schema.String,
  accountInfo: Schema.Struct({ id: Schema.String, type: Schema.String, name: Schema.optional(Schema.String) })
})
export type ProfileWire = typeof ProfileWire.Type

/** `"profileId": 3243924792357223` → `"profileId": "3243924792357223"` before parsing. */
export const quoteProfileIds = (json: string) => json.replace(/("profileId"\s*:\s*)(-?\d+)/g, '$1"$2"')
