/** The OAuth state contract on both stores: single use (also under concurrency), bound to what was stored. */
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"
import * as MemoryOAuthStateStore from "../../adapters/memory/MemoryOAuthStateStore.ts"
import * as RedisConnection from "../../adapters/redis/RedisConnection.ts"
import * as RedisOAuthStateStore from "../../adapters/redis/RedisOAuthStateStore.ts"
import { PendingAuthorization } from "../../core/connections/OAuthFlow.ts"
import { OAuthStateStore } from "../../core/connections/ports/OAuthStateStore.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { TestVault } from "../support/TokenStack.ts"

const pending = () =>
  new PendingAuthorization({
    organizationId: OrgId.make(randomUUID()),
    userId: UserId.make(randomUUID()),
    provider: "shopify",
    redirectUri: "https://tradeport.example/api/v1/auth/shopify/callback",
    codeVerifier: "v".repeat(43),
    browserBinding: null,
    context: { shop: "acme.myshopify.com" },
    createdAt: 1
  })

const contract = (name: string, store: Layer.Layer<OAuthStateStore>) =>
  layer(store, { excludeTestServices: true })(`OAuthStateStore contract: ${name}`, (it) => {
    it.effect("a state is returned once, exactly as stored; unknown states are none", () =>
      Effect.gen(function* () {
        const s = yield* OAuthStateStore
        const value = pending()
        yield* s.put("state-1", value, Duration.minutes(10))
        assert.deepStrictEqual(Option.getOrThrow(yield* s.consume("state-1")), value)
        assert.isTrue(Option.isNone(yield* s.consume("state-1")), "replay")
        assert.isTrue(Option.isNone(yield* s.consume("never-issued")))
      })
    )

    it.effect("a conditional consume refused by its check leaves the state for the rightful caller", () =>
      Effect.gen(function* () {
        const s = yield* OAuthStateStore
        const value = pending()
        yield* s.put("state-cond", value, Duration.minutes(10))
        const refused = yield* s.consumeIf("state-cond", () => false)
        assert.strictEqual(refused._tag, "Refused")
        const taken = yield* s.consumeIf("state-cond", () => true)
        assert.strictEqual(taken._tag, "Consumed")
        assert.deepStrictEqual(taken._tag === "Consumed" ? taken.pending : undefined, value)
        assert.strictEqual((yield* s.consumeIf("state-cond", () => true))._tag, "Missing", "single use")
        assert.strictEqual((yield* s.consumeIf("never-issued", () => true))._tag, "Missing")
      })
    )

    it.effect("20 concurrent accepted conditional consumes: exactly one gets the state", () =>
      Effect.gen(function* () {
        const s = yield* OAuthStateStore
        yield* s.put("state-cond-race", pending(), Duration.minutes(10))
        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => s.consumeIf("state-cond-race", () => true)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((r) => r._tag === "Consumed").length, 1)
      })
    )

    it.effect("20 concurrent callbacks with one state: exactly one wins", () =>
      Effect.gen(function* () {
        const s = yield* OAuthStateStore
        yield* s.put("state-race", pending(), Duration.minutes(10))
        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => s.consume("state-race")),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter(Option.isSome).length, 1)
      })
    )
  })

describe("OAuthStateStore", () => {
  contract("memory", MemoryOAuthStateStore.layer)
  contract(
    "redis",
    Layer.unwrap(
      Effect.sync(() =>
        RedisOAuthStateStore.layer(`test:${randomUUID()}:`).pipe(
          Layer.provide(
            RedisConnection.layer({ url: Redacted.make(inject("redisUrl")), commandTimeout: Duration.seconds(2) })
          ),
          Layer.provide(TestVault)
        )
      )
    )
  )
})
