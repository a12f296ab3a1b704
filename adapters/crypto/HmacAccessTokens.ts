/**
 * AccessTokens as compact JWTs signed with HMAC-SHA256 (JWT_SECRET, a key of its own, never the encryption
 * keyring). Verification pins the algorithm (the header must be exactly the one we issue, HS256: no `none`, no
 * algorithm confusion), accepts only the canonical base64url spelling of the signature (no padding, unused bits
 * zero) compared in constant time, and checks issuer, audience, expiry and, when present, not-before.
 * Does not own: whether the session behind a valid token has been revoked (core's RevokedSessions).
 */
import { Config, DateTime, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto"
import { Role } from "../../core/identity/Identity.ts"
import { AccessTokens, InvalidAccessToken } from "../../core/identity/ports/AccessTokens.ts"
import { Principal, SessionId } from "../../core/identity/Principal.ts"
import { ACCESS_TOKEN_TTL } from "../../core/identity/Sessions.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"

export interface AccessTokenOptions {
  readonly secret: Redacted.Redacted
  readonly issuer: string
  readonly audience: string
  readonly ttl: Duration.Duration
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url")

const Claims = Schema.Struct({
  iss: Schema.String,
  aud: Schema.String,
  sub: UserId,
  org: OrgId,
  role: Role,
  sid: SessionId,
  iat: Schema.Int,
  exp: Schema.Int,
  nbf: Schema.optional(Schema.Int),
  jti: Schema.String
})
const decodeClaims = Schema.decodeUnknownEffect(Schema.fromJsonString(Claims))

/**
 * The signature as given against the one we compute, both as base64url text: only the canonical spelling matches
 * (a decoder would also take `=` padding or non-zero unused bits for the same bytes). Constant time; the length
 * compared first is public (always 43 characters).
 */
const signatureMatches = (given: string, expected: string) => {
  const a = Buffer.from(given, "utf8")
  const b = Buffer.from(expected, "utf8")
  return a.length === b.length && timingSafeEqual(a, b)
}

const invalid = (reason: InvalidAccessToken["reason"]) => Effect.fail(new InvalidAccessToken({ reason }))

export const layer = (options: AccessTokenOptions) =>
  Layer.succeed(
    AccessTokens,
    AccessTokens.of({
      lifetime: options.ttl,
      issue: (principal) =>
        Effect.gen(function* () {
          const now = Math.floor(DateTime.toEpochMillis(yield* DateTime.now) / 1000)
          const claims: typeof Claims.Type = {
            iss: options.issuer,
            aud: options.audience,
            sub: principal.userId,
            org: principal.organizationId,
            role: principal.role,
            sid: principal.sessionId,
            iat: now,
            exp: now + Math.floor(Duration.toSeconds(options.ttl)),
            jti: randomUUID()
          }
          const unsigned = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`
          const signature = createHmac("sha256", Redacted.value(options.secret)).update(unsigned).digest("base64url")
          return { token: Redacted.make(`${unsigned}.${signature}`), expiresIn: options.ttl }
        }),
      verify: (token) =>
        Effect.gen(function* () {
          const parts = Redacted.value(token).split(".")
          if (parts.length !== 3) return yield* invalid("malformed")
          const [header, payload, signature] = parts as [string, string, string]
          if (header !== HEADER) return yield* invalid("algorithm")
          const expected = createHmac("sha256", Redacted.value(options.secret))
            .update(`${header}.${payload}`)
            .digest("base64url")
          if (!signatureMatches(signature, expected)) return yield* invalid("signature")
          const claims = yield* decodeClaims(Buffer.from(payload, "base64url").toString("utf8")).pipe(
            Effect.catch(() => invalid("claims"))
          )
          if (claims.iss !== options.issuer || claims.aud !== options.audience) return yield* invalid("claims")
          const now = Math.floor(DateTime.toEpochMillis(yield* DateTime.now) / 1000)
          if (claims.exp <= now) return yield* invalid("expired")
          if (claims.nbf !== undefined && claims.nbf > now) return yield* invalid("not_before")
          return new Principal({
            userId: claims.sub,
            organizationId: claims.org,
            role: claims.role,
            sessionId: claims.sid
          })
        })
    })
  )

export const layerConfig = Layer.unwrap(
  Effect.gen(function* () {
    const secret = yield* Config.Redacted("JWT_SECRET")
    const ttl = yield* Config.Duration("ACCESS_TOKEN_TTL").pipe(Config.withDefault(ACCESS_TOKEN_TTL))
    return layer({ secret, issuer: "tradeport", audience: "tradeport-api", ttl })
  })
)
