import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { createHmac, randomUUID } from "node:crypto"
import * as HmacAccessTokens from "../../adapters/crypto/HmacAccessTokens.ts"
import { AccessTokens } from "../../core/identity/ports/AccessTokens.ts"
import { Principal, SessionId } from "../../core/identity/Principal.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"

const secret = "unit-test-secret-unit-test-secret-0123"
const Tokens = HmacAccessTokens.layer({
  secret: Redacted.make(secret),
  issuer: "tradeport",
  audience: "tradeport-api",
  ttl: Duration.minutes(15)
})
const principal = new Principal({
  userId: UserId.make(randomUUID()),
  organizationId: OrgId.make(randomUUID()),
  role: "admin",
  sessionId: SessionId.make(randomUUID())
})
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const sign = (unsigned: string, key = secret) =>
  `${unsigned}.${createHmac("sha256", key).update(unsigned).digest("base64url")}`

describe("HMAC access tokens", () => {
  it.effect("round-trips a principal", () =>
    Effect.gen(function* () {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue(principal)
      assert.deepStrictEqual(yield* tokens.verify(token), principal)
    }).pipe(Effect.provide(Tokens))
  )

  it.effect("refuses tampering, alg=none, another key, another audience and garbage", () =>
    Effect.gen(function* () {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue(principal)
      const [header, payload] = Redacted.value(token).split(".") as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>
      const reason = (t: string) =>
        tokens.verify(Redacted.make(t)).pipe(
          Effect.flip,
          Effect.map((e) => e.reason)
        )
      assert.strictEqual(
        yield* reason(sign(`${header}.${b64({ ...claims, role: "owner" })}`, "another-key")),
        "signature"
      )
      assert.strictEqual(
        yield* reason(`${header}.${b64({ ...claims, role: "owner" })}.${Redacted.value(token).split(".")[2]}`),
        "signature"
      )
      assert.strictEqual(yield* reason(`${b64({ alg: "none", typ: "JWT" })}.${payload}.`), "algorithm")
      assert.strictEqual(yield* reason(sign(`${b64({ alg: "HS512", typ: "JWT" })}.${payload}`)), "algorithm")
      assert.strictEqual(yield* reason(sign(`${header}.${b64({ ...claims, aud: "someone-else" })}`)), "claims")
      assert.strictEqual(yield* reason(sign(`${header}.${b64({ ...claims, role: "superuser" })}`)), "claims")
      assert.strictEqual(yield* reason("not-a-token"), "malformed")
    }).pipe(Effect.provide(Tokens))
  )

  it.effect("accepts only the canonical signature: no padding, no other spelling of the same bytes", () =>
    Effect.gen(function* () {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue(principal)
      const [header, payload, signature] = Redacted.value(token).split(".") as [string, string, string]
      const reason = (t: string) =>
        tokens.verify(Redacted.make(t)).pipe(
          Effect.flip,
          Effect.map((e) => e.reason)
        )
      // 32 bytes are 43 base64url characters; the last one carries 4 bits and 2 unused ones, which must be zero.
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
      const last = alphabet.indexOf(signature.slice(-1))
      assert.strictEqual(last & 0b11, 0, "we issue canonical signatures")
      for (const unused of [0b01, 0b10, 0b11]) {
        const flipped = `${signature.slice(0, -1)}${alphabet[last | unused]}`
        assert.deepStrictEqual(Buffer.from(flipped, "base64url"), Buffer.from(signature, "base64url"), "same bytes")
        assert.strictEqual(yield* reason(`${header}.${payload}.${flipped}`), "signature", `unused bits ${unused}`)
      }
      for (const suffix of ["=", "==", "\n", " ", "."])
        assert.oneOf(yield* reason(`${header}.${payload}.${signature}${suffix}`), ["signature", "malformed"], suffix)
      const standard = Buffer.from(signature, "base64url").toString("base64")
      if (standard !== signature) assert.strictEqual(yield* reason(`${header}.${payload}.${standard}`), "signature")
      assert.deepStrictEqual(yield* tokens.verify(token), principal, "the canonical token still verifies")
    }).pipe(Effect.provide(Tokens))
  )

  it.effect("refuses a header whose alg is not HS256, however it is spelled", () =>
    Effect.gen(function* () {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue(principal)
      const [, payload] = Redacted.value(token).split(".") as [string, string, string]
      const reason = (t: string) =>
        tokens.verify(Redacted.make(t)).pipe(
          Effect.flip,
          Effect.map((e) => e.reason)
        )
      for (const header of [
        { alg: "hs256", typ: "JWT" },
        { alg: "RS256", typ: "JWT" },
        { alg: "none", typ: "JWT" },
        { typ: "JWT" },
        { alg: ["HS256"], typ: "JWT" }
      ])
        assert.strictEqual(yield* reason(sign(`${b64(header)}.${payload}`)), "algorithm", JSON.stringify(header))
      const [header] = Redacted.value(token).split(".") as [string]
      assert.strictEqual(yield* reason(sign(`${header}=.${payload}`)), "algorithm", "a padded header")
    }).pipe(Effect.provide(Tokens))
  )

  it.effect("checks nbf when present: refused before it, accepted from it on", () =>
    Effect.gen(function* () {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue(principal)
      const [header, payload] = Redacted.value(token).split(".") as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>
      const iat = Number(claims["iat"])
      const early = Redacted.make(sign(`${header}.${b64({ ...claims, nbf: iat + 60 })}`))
      const refused = yield* Effect.flip(tokens.verify(early))
      assert.strictEqual(refused.reason, "not_before")
      yield* TestClock.adjust(Duration.seconds(60))
      assert.deepStrictEqual(yield* tokens.verify(early), principal)
      const malformed = Redacted.make(sign(`${header}.${b64({ ...claims, nbf: "soon" })}`))
      assert.strictEqual((yield* Effect.flip(tokens.verify(malformed))).reason, "claims")
    }).pipe(Effect.provide(Tokens))
  )
})
