/**
 * A fake Login with Amazon + Amazon Ads API for every region under `/{NA|EU|FE}` (point AMAZON_ADS_ENDPOINTS at
 * it): the consent page `/ap/oa` (Approve/Deny; client id, scope, response type and the registered redirect URI
 * checked), the token endpoint `/auth/o2/token` (form; authorization codes single-use for 5 minutes with their
 * redirect URI and PKCE S256 verifier checked; refresh tokens `Atzr|…` that keep working until revoked, then
 * `invalid_grant`), and `GET /ads/v2/profiles` (bearer + Amazon-Advertising-API-ClientId; 401 for unknown, expired
 * or revoked tokens; 429 with Retry-After and 5xx on demand) answering int64 profile ids as JSON numbers, as
 * Amazon does.
 */
import { createHash, randomBytes } from "node:crypto"
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from "../FakeServer.ts"

export interface FakeAmazonAds extends FakeServer {
  readonly tokenRequests: (grant?: "authorization_code" | "refresh_token") => number
  readonly revokeRefreshTokens: () => void
  readonly expireAccessTokens: () => void
  /** The next N API calls answer `status` (429 with Retry-After: 1, or a 5xx). */
  readonly failNext: (status: 429 | 500 | 503, n: number) => void
}

export const PROFILE_IDS = ["3243924792357223411", "1215041354659387"]

const random = (prefix: string) => `${prefix}${randomBytes(18).toString("base64url")}`

export const startFakeAmazonAds = async (options: {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
}): Promise<FakeAmazonAds> => {
  const codes = new Map<string, { region: string; redirectUri: string; challenge: string; expires: number }>()
  const access = new Map<string, number>()
  const refresh = new Set<string>()
  const grants: Array<string> = []
  let failing = { status: 0, left: 0 }

  const consentPage = (region: string, request: FakeRequest): FakeResponse => {
    const q = request.query
    if (q.get("client_id") !== options.clientId) return { status: 400, text: "unknown client" }
    if (q.get("redirect_uri") !== options.redirectUri)
      return { status: 400, text: "An unknown redirect_uri was specified" }
    if (q.get("response_type") !== "code" || q.get("scope") !== "advertising::campaign_management")
      return { status: 400, text: "invalid request" }
    if (q.get("code_challenge_method") !== "S256" || (q.get("code_challenge") ?? "").length < 43)
      return { status: 400, text: "invalid code_challenge" }
    const ticket = encodeURIComponent(`${q.get("state")}|${q.get("code_challenge")}`)
    return {
      status: 200,
      headers: { "content-type": "text/html" },
      text:
        `<html><body><h1>Allow Tradeport to manage your advertising (${region})?</h1>` +
        `<a id="approve" href="/${region}/ap/consent?allow=1&t=${ticket}">Allow</a> <a id="deny" href="/${region}/ap/consent?allow=0&t=${ticket}">Cancel</a></body></html>`
    }
  }

  const consent = (region: string, request: FakeRequest): FakeResponse => {
    const [state, challenge] = decodeURIComponent(request.query.get("t") ?? "").split("|")
    const back = new URL(options.redirectUri)
    back.searchParams.set("state", state ?? "")
    if (request.query.get("allow") !== "1") {
      back.searchParams.set("error", "access_denied")
      back.searchParams.set("error_description", "The user denied the request.")
    } else {
      const code = random("ANcode")
      codes.set(code, {
        region,
        redirectUri: options.redirectUri,
        challenge: challenge ?? "",
        expires: Date.now() + 5 * 60_000
      })
      back.searchParams.set("code", code)
      back.searchParams.set("scope", "advertising::campaign_management")
    }
    return { status: 302, headers: { location: back.toString() } }
  }

  const issue = (refreshToken: string) => {
    const token = random("Atza|")
    access.set(token, Date.now() + 3600_000)
    return {
      status: 200,
      json: { access_token: token, refresh_token: refreshToken, token_type: "bearer", expires_in: 3600 }
    }
  }

  const token = (region: string, request: FakeRequest): FakeResponse => {
    const form = new URLSearchParams(request.body)
    if (form.get("client_id") !== options.clientId || form.get("client_secret") !== options.clientSecret) {
      return { status: 401, json: { error: "invalid_client", error_description: "Client authentication failed" } }
    }
    const grant = form.get("grant_type") ?? ""
    grants.push(grant)
    if (grant === "authorization_code") {
      const code = codes.get(form.get("code") ?? "")
      codes.delete(form.get("code") ?? "")
      const verifier = form.get("code_verifier") ?? ""
      const challenge = createHash("sha256").update(verifier).digest("base64url")
      if (
        code === undefined ||
        code.expires < Date.now() ||
        code.region !== region ||
        code.redirectUri !== form.get("redirect_uri") ||
        code.challenge !== challenge
      ) {
        return {
          status: 400,
          json: { error: "invalid_grant", error_description: "The request has an invalid grant parameter : code" }
        }
      }
      const refreshToken = random("Atzr|")
      refresh.add(refreshToken)
      return issue(refreshToken)
    }
    if (grant === "refresh_token") {
      const presented = form.get("refresh_token") ?? ""
      if (!refresh.has(presented))
        return {
          status: 400,
          json: {
            error: "invalid_grant",
            error_description: "The request has an invalid grant parameter : refresh_token"
          }
        }
      return issue(presented)
    }
    return { status: 400, json: { error: "unsupported_grant_type" } }
  }

  const profiles = (request: FakeRequest): FakeResponse => {
    if (failing.left > 0) {
      failing = { ...failing, left: failing.left - 1 }
      return {
        status: failing.status,
        headers: failing.status === 429 ? { "retry-after": "1" } : {},
        json: { code: failing.status === 429 ? "THROTTLED" : "SERVER_IS_BUSY" }
      }
    }
    const bearer = String(request.headers["authorization"] ?? "").replace(/^Bearer /i, "")
    const until = access.get(bearer)
    if (
      until === undefined ||
      until < Date.now() ||
      request.headers["amazon-advertising-api-clientid"] !== options.clientId
    ) {
      return { status: 401, json: { code: "UNAUTHORIZED", details: "Not authorized to access this advertiser" } }
    }
    // int64 ids as JSON numbers, exactly as Amazon sends them (beyond JavaScript's safe integers).
    const body = `[${PROFILE_IDS.map(
      (id, i) =>
        `{"profileId":${id},"countryCode":"${i === 0 ? "DE" : "FR"}","currencyCode":"EUR","dailyBudget":999999999,"timezone":"Europe/Paris","accountInfo":{"marketplaceStringId":"A1PA6795UKMFR9","id":"ENTITY${i}ABCDEF","type":"seller","name":"Shop ${i}","validPaymentMethod":true}}`
    ).join(",")}]`
    return { status: 200, headers: { "content-type": "application/json" }, text: body }
  }

  const server = await startFakeServer((request) => {
    const match = /^\/(NA|EU|FE)(\/.*)$/.exec(request.path)
    if (match === null) return { status: 404, text: "no region" }
    const region = match[1]!
    const path = match[2]!
    if (request.method === "GET" && path === "/ap/oa") return consentPage(region, request)
    if (request.method === "GET" && path === "/ap/consent") return consent(region, request)
    if (request.method === "POST" && path === "/auth/o2/token") return token(region, request)
    if (request.method === "GET" && path === "/ads/v2/profiles") return profiles(request)
    return { status: 404, json: { code: "NOT_FOUND" } }
  })
  return {
    ...server,
    tokenRequests: (grant) => (grant === undefined ? grants.length : grants.filter((g) => g === grant).length),
    revokeRefreshTokens: () => refresh.clear(),
    failNext: (status, n) => {
      failing = { status, left: n }
    },
    expireAccessTokens: () => {
      for (const key of access.keys()) access.set(key, 0)
    }
  }
}
