import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { randomBytes } from "node:crypto"
import { parseKeyring } from "../../adapters/crypto/Keyring.ts"
import { checkProduction } from "../../apps/shared/Environment.ts"

const key = () => randomBytes(32).toString("base64")
const withEnv = (env: Record<string, string>) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))

const problems = (env: Record<string, string>) =>
  checkProduction.pipe(
    Effect.flip,
    Effect.map((e) => (e._tag === "StartupError" ? e.problems : [e.message])),
    withEnv({ APP_ENV: "production", ...env })
  )

const valid = () => ({
  DATABASE_URL: "postgres://app:pw@db:5432/tradeport",
  REDIS_URL: "redis://cache:6379",
  JWT_SECRET: randomBytes(48).toString("base64url"),
  ENCRYPTION_KEYS: `k1:${key()}`,
  PUBLIC_BASE_URL: "https://tradeport.example.com"
})

describe("production startup gate", () => {
  it.effect("names every missing variable in one error", () =>
    Effect.gen(function* () {
      const found = yield* problems({})
      assert.deepStrictEqual(found, [
        "DATABASE_URL is required in production",
        "REDIS_URL is required in production",
        "JWT_SECRET is required in production",
        "ENCRYPTION_KEYS is required in production",
        "PUBLIC_BASE_URL is required in production (OAuth redirect and callback URLs derive from it)"
      ])
    })
  )

  it.effect("rejects known defaults, short secrets, malformed keys and equal secrets", () =>
    Effect.gen(function* () {
      assert.include(yield* problems({ ...valid(), JWT_SECRET: "changeme" }), "JWT_SECRET is a known default value")
      assert.include(yield* problems({ ...valid(), JWT_SECRET: "short" }), "JWT_SECRET must be at least 32 characters")
      assert.include(
        yield* problems({ ...valid(), ENCRYPTION_KEYS: "k1:c2hvcnQ=" }),
        'ENCRYPTION_KEYS key "k1": must be 32 bytes base64-encoded (got 5)'
      )
      const shared = key()
      assert.include(
        yield* problems({ ...valid(), JWT_SECRET: shared, ENCRYPTION_KEYS: `k1:${shared}` }),
        "JWT_SECRET and an ENCRYPTION_KEYS key are equal: use independent secrets"
      )
      assert.include(
        yield* problems({ ...valid(), DATABASE_URL: "mysql://x" }),
        "DATABASE_URL must be a postgres:// URL"
      )
      assert.include(
        yield* problems({ ...valid(), PUBLIC_BASE_URL: "http://tradeport.example.com" }),
        "PUBLIC_BASE_URL must be an https:// URL"
      )
    })
  )

  it.effect("rejects a long JWT_SECRET with too little variety (one letter, or a short pattern repeated)", () =>
    Effect.gen(function* () {
      for (const secret of ["a".repeat(36), "ab".repeat(32), "abcdefg".repeat(8), "0123456789abcdef0123456789abcdef"]) {
        const found = yield* problems({ ...valid(), JWT_SECRET: secret })
        assert.isTrue(
          found.some((p) => p.startsWith("JWT_SECRET is too predictable")),
          `${secret}: ${found.join("; ")}`
        )
      }
    })
  )

  it.effect("accepts random secrets written in hex or base64 (a 128-bit hex secret rarely shows all 16 digits)", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 200; i++) {
        for (const secret of [randomBytes(16).toString("hex"), randomBytes(24).toString("base64")]) {
          const passed = yield* checkProduction.pipe(
            Effect.as("passed"),
            Effect.catchTag("StartupError", (e) => Effect.succeed(e.problems.join("; "))),
            withEnv({ APP_ENV: "production", ...valid(), JWT_SECRET: secret })
          )
          assert.strictEqual(passed, "passed", secret)
        }
      }
    })
  )

  it.effect("passes a complete, independent configuration", () =>
    checkProduction.pipe(withEnv({ APP_ENV: "production", ...valid() }))
  )

  it.effect("does nothing outside production", () => checkProduction.pipe(withEnv({ APP_ENV: "development" })))
})

describe("keyring parsing", () => {
  it("reads ids and 32-byte keys in order and rejects duplicates", () => {
    const a = key()
    const parsed = parseKeyring(`k2:${a}, k1:${key()}`)
    assert.deepStrictEqual(
      parsed.keys.map((k) => k.id),
      ["k2", "k1"]
    )
    assert.strictEqual(parsed.keys[0]?.key.toString("base64"), a)
    assert.deepStrictEqual(parseKeyring(`k1:${a},k1:${a}`).problems, ['ENCRYPTION_KEYS key id "k1" appears twice'])
    assert.deepStrictEqual(parseKeyring("nokey").problems, ['ENCRYPTION_KEYS entry 1: expected "keyId:base64key"'])
  })
})
