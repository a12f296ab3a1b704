/**
 * Connections over HTTP and in the database: credentials sealed at rest (a dump shows no plaintext), token health,
 * tenant isolation, disconnect wiping credentials, and key rotation A → B with A removed afterwards.
 */
import { assert, describe, layer } from "@effect/vitest"
import { DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import * as AesGcmVault from "../../adapters/crypto/AesGcmVault.ts"
import { keyringFrom } from "../../adapters/crypto/Keyring.ts"
import * as Connections from "../../core/connections/Connections.ts"
import { rotateAll } from "../../core/connections/KeyRotation.ts"
import { CredentialVault } from "../../core/connections/ports/CredentialVault.ts"
import { TokenCache } from "../../core/connections/ports/TokenCache.ts"
import { cacheKeyFor } from "../../core/connections/TokenKeys.ts"
import { TokenManager } from "../../core/connections/TokenManager.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { call, json, signUpAndLogin } from "../support/Api.ts"
import { TEST_ENCRYPTION_KEYS, testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

const SECRET = `shpat_${randomBytes(12).toString("hex")}`
const REFRESH = `shprt_${randomBytes(12).toString("hex")}`

const connectShop = (organizationId: string, shop: string) =>
  Effect.gen(function* () {
    const expires = DateTime.addDuration(yield* DateTime.now, Duration.minutes(3))
    return yield* Connections.connect({
      organizationId: OrgId.make(organizationId),
      actorUserId: undefined,
      provider: "shopify",
      externalAccount: shop,
      displayName: shop,
      credentials: Redacted.make({ accessToken: SECRET, refreshToken: REFRESH }),
      tokenExpiresAt: expires
    })
  })

const vaultWith = (raw: string) => {
  const result = keyringFrom(raw, undefined)
  if (result._tag === "Invalid") throw new Error(result.problems.join("; "))
  return Layer.succeed(CredentialVault, AesGcmVault.make(result.keyring))
}

describe("connections", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 60_000 })("on real Postgres", (it) => {
    it.effect("the provider catalogue: every registered provider, configured or not, with what it can do", () =>
      Effect.gen(function* () {
        const { accessToken } = yield* signUpAndLogin("catalogue@example.com", "Catalogue Co")
        const body = yield* call("GET", "/api/v1/providers", { token: accessToken }).pipe(Effect.flatMap(json))
        const providers = body["providers"] as Array<Record<string, unknown>>
        const byId = new Map(providers.map((p) => [String(p["id"]), p]))
        assert.deepStrictEqual([...byId.keys()].sort(), [
          "amazon_ads",
          "custom",
          "dhl",
          "fedex",
          "g2a",
          "shopify",
          "ups",
          "woocommerce"
        ])
        // This test app configures no app credentials: Shopify, G2A and Amazon Ads are listed but not usable.
        assert.strictEqual(byId.get("shopify")!["configured"], false)
        assert.strictEqual(byId.get("g2a")!["configured"], false)
        assert.strictEqual(byId.get("fedex")!["configured"], true)
        assert.strictEqual(byId.get("fedex")!["kind"], "carrier")
        assert.deepStrictEqual(byId.get("fedex")!["capabilities"], ["rates", "labels", "tracking"])
        assert.strictEqual(byId.get("woocommerce")!["auth"], "key_exchange")
        assert.strictEqual((yield* call("GET", "/api/v1/providers")).status, 401, "members only")
      })
    )

    it.effect("credentials are sealed at rest, listed without secrets, with token health; other orgs get 404", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("conn-a@example.com", "Shop A")
        const b = yield* signUpAndLogin("conn-b@example.com", "Shop B")
        const connection = yield* connectShop(a.organizationId, "acme.myshopify.com")
        const { sql: admin } = yield* AdminDatabase
        const dump = yield* admin<{ row: string }>`SELECT row_to_json(c)::text AS row FROM connections c`
        assert.strictEqual(dump.length, 1)
        assert.notInclude(dump[0]!.row, SECRET)
        assert.notInclude(dump[0]!.row, REFRESH)
        assert.match(dump[0]!.row, /"credentials":"v1\.test1\./)

        const list = yield* call("GET", "/api/v1/connections", { token: a.accessToken }).pipe(Effect.flatMap(json))
        const listed = JSON.stringify(list)
        assert.include(listed, "acme.myshopify.com")
        assert.notInclude(listed, SECRET)
        const health = yield* call("GET", `/api/v1/connections/${connection.id}/status`, { token: a.accessToken }).pipe(
          Effect.flatMap(json)
        )
        assert.strictEqual(health["status"], "connected")
        assert.strictEqual(health["token"], "due", "3 minutes left is inside the 5-minute margin")
        assert.isAtMost(Number(health["expiresInSeconds"]), 180)

        for (const [method, path] of [
          ["GET", `/api/v1/connections/${connection.id}`],
          ["GET", `/api/v1/connections/${connection.id}/status`],
          ["DELETE", `/api/v1/connections/${connection.id}`]
        ] as const) {
          const response = yield* call(method, path, { token: b.accessToken })
          assert.strictEqual(response.status, 404, `${method} ${path}`)
          assert.strictEqual((yield* json(response))["code"], "connection_not_found")
        }
        const listB = yield* call("GET", "/api/v1/connections", { token: b.accessToken }).pipe(Effect.flatMap(json))
        assert.deepStrictEqual(listB["connections"], [])

        const read = yield* Connections.readCredentials(OrgId.make(a.organizationId), connection.id)
        assert.strictEqual(Redacted.value(read.credentials)["accessToken"], SECRET)
      })
    )

    it.effect("disconnect wipes the credentials and is audited", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("conn-d@example.com", "Shop D")
        const connection = yield* connectShop(a.organizationId, "dee.myshopify.com")
        // A token cached for this connection…
        const key = cacheKeyFor("shopify", "live", connection.id)
        const expiresAt = DateTime.addDuration(yield* DateTime.now, Duration.hours(1))
        yield* (yield* TokenManager).get({
          cacheKey: key,
          lockKey: key,
          stored: Effect.succeedNone,
          refresh: Effect.succeed({ token: Redacted.make("at_cached"), expiresAt })
        })
        assert.isTrue(Option.isSome(yield* (yield* TokenCache).get(key)))
        const response = yield* call("DELETE", `/api/v1/connections/${connection.id}`, { token: a.accessToken })
        assert.strictEqual((yield* json(response))["status"], "disconnected")
        const { sql: admin } = yield* AdminDatabase
        const [row] = yield* admin<{
          credentials: string | null
        }>`SELECT credentials FROM connections WHERE id = ${connection.id}`
        assert.isNull(row?.credentials)
        assert.isTrue(Option.isNone(yield* (yield* TokenCache).get(key)), "…is gone with the credentials")
        const audit = yield* call("GET", "/api/v1/org/audit", { token: a.accessToken }).pipe(Effect.flatMap(json))
        const actions = (audit["entries"] as Array<Record<string, unknown>>).map((e) => e["action"])
        assert.includeMembers(actions, ["CHANNEL_CONNECTED", "CHANNEL_DISCONNECTED"])
      })
    )

    it.effect("key rotation: rows sealed under A, rotate to B, remove A → every credential still decrypts", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("rotate@example.com", "Rotate")
        const shops = ["r1", "r2", "r3", "r4", "r5"].map((s) => `${s}.myshopify.com`)
        const connections = yield* Effect.forEach(shops, (shop) => connectShop(a.organizationId, shop))
        const keyB = `next:${randomBytes(32).toString("base64")}`
        const rotated = yield* rotateAll(2).pipe(Effect.provide(vaultWith(`${keyB},${TEST_ENCRYPTION_KEYS}`)))
        assert.isAtLeast(rotated.resealed, 5)
        assert.deepStrictEqual(rotated.failed, [])
        const again = yield* rotateAll(2).pipe(Effect.provide(vaultWith(`${keyB},${TEST_ENCRYPTION_KEYS}`)))
        assert.strictEqual(again.resealed, 0, "a rerun finds nothing left to do")
        const { sql: admin } = yield* AdminDatabase
        const stale =
          yield* admin`SELECT id FROM connections WHERE credentials IS NOT NULL AND credentials NOT LIKE 'v1.next.%'`
        assert.strictEqual(stale.length, 0)
        for (const connection of connections) {
          const read = yield* Connections.readCredentials(OrgId.make(a.organizationId), connection.id).pipe(
            Effect.provide(vaultWith(keyB))
          )
          assert.strictEqual(Redacted.value(read.credentials)["refreshToken"], REFRESH)
        }
      })
    )
  })
})
