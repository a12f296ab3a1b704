/**
 * A fake OAuth 2.0 provider: a token endpoint (client_credentials and refresh_token grants, form-encoded, as
 * FedEx/DHL/Amazon/Shopify speak it) that issues opaque access tokens and ROTATES refresh tokens (each refresh
 * token works once; a used or revoked one gets `invalid_grant`), and a protected resource that answers 401 to
 * any token it did not issue, that expired, or that was revoked (and `/always-401`, which refuses everything).
 */
import { randomBytes } from "node:crypto"
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from "./FakeServer.ts"

export interface FakeOAuthOptions {
  readonly clientId: string
  readonly clientSecret: string
  readonly expiresIn?: number | undefined
  /** Omit `expires_in` from token responses (a provider quirk the client must survive). */
  readonly omitExpiresIn?: boolean | undefined
}

export interface FakeOAuthProvider extends FakeServer {
  /** Token requests received (any grant). */
  readonly tokenRequests: () => number
  /** A fresh refresh token the fake will accept once (what a completed consent would have produced). */
  readonly issueRefreshToken: () => string
  readonly revokeAllAccessTokens: () => void
  readonly revokeRefreshTokens: () => void
  readonly validAccessTokens: () => number
}

const random = (prefix: string) => `${prefix}${randomBytes(12).toString("hex")}`

export const startFakeOAuthProvider = async (options: FakeOAuthOptions): Promise<FakeOAuthProvider> => {
  const accessTokens = new Map<string, number>()
  const refreshTokens = new Set<string>()
  let revokedRefresh = false

  const tokenResponse = (refresh: boolean): FakeResponse => {
    const access = random("at_")
    const expiresIn = options.expiresIn ?? 3600
    accessTokens.set(access, Date.now() + expiresIn * 1000)
    const body: Record<string, unknown> = { access_token: access, token_type: "bearer" }
    if (options.omitExpiresIn !== true) body["expires_in"] = expiresIn
    if (refresh) {
      const next = random("rt_")
      refreshTokens.add(next)
      body["refresh_token"] = next
    }
    return { status: 200, json: body }
  }

  const token = (request: FakeRequest): FakeResponse => {
    const form = new URLSearchParams(request.body)
    const basic = request.headers["authorization"]?.startsWith("Basic ")
      ? Buffer.from(request.headers["authorization"].slice(6), "base64").toString().split(":")
      : undefined
    const clientId = form.get("client_id") ?? basic?.[0]
    const clientSecret = form.get("client_secret") ?? basic?.[1]
    if (clientId !== options.clientId || clientSecret !== options.clientSecret) {
      return { status: 401, json: { error: "invalid_client", error_description: "client authentication failed" } }
    }
    switch (form.get("grant_type")) {
      case "client_credentials":
        return tokenResponse(false)
      case "refresh_token": {
        const presented = form.get("refresh_token") ?? ""
        if (revokedRefresh || !refreshTokens.delete(presented)) {
          return {
            status: 400,
            json: { error: "invalid_grant", error_description: "refresh token is invalid, used or revoked" }
          }
        }
        return tokenResponse(true)
      }
      default:
        return { status: 400, json: { error: "unsupported_grant_type" } }
    }
  }

  const resource = (request: FakeRequest): FakeResponse => {
    // A resource that refuses every token, for "still 401 after a refresh" scenarios.
    if (request.path === "/always-401") return { status: 401, json: { error: "invalid_token" } }
    const bearer = request.headers["authorization"]?.replace(/^Bearer /, "") ?? ""
    const until = accessTokens.get(bearer)
    if (until === undefined || until < Date.now()) return { status: 401, json: { error: "invalid_token" } }
    return { status: 200, json: { ok: true, path: request.path } }
  }

  const server = await startFakeServer((request) =>
    request.path === "/oauth/token" ? token(request) : resource(request)
  )
  return {
    ...server,
    tokenRequests: () => server.count((r) => r.path === "/oauth/token"),
    issueRefreshToken: () => {
      const t = random("rt_")
      refreshTokens.add(t)
      return t
    },
    revokeAllAccessTokens: () => accessTokens.clear(),
    revokeRefreshTokens: () => {
      revokedRefresh = true
    },
    validAccessTokens: () => accessTokens.size
  }
}
