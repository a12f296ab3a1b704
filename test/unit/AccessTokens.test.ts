import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
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
})
