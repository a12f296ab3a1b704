import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { createHash, randomUUID } from "node:crypto"
import * as MemoryOAuthStateStore from "../../adapters/memory/MemoryOAuthStateStore.ts"
import * as OAuthFlow from "../../core/connections/OAuthFlow.ts"
import type { CacheError } from "../../core/shared/errors.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"

const flowError = <A, R>(effect: Effect.Effect<A, OAuthFlow.OAuthFlowError | CacheError, R>) =>
  Effect.flip(effect).pipe(Effect.flatMap((e) => (e._tag === "OAuthFlowError" ? Effect.succeed(e) : Effect.die(e))))

const start = (pkce = true) =>
  OAuthFlow.begin({
    organizationId: OrgId.make(randomUUID()),
    userId: UserId.make(randomUUID()),
    provider: "amazon_ads",
    redirectUri: "https://tradeport.example/api/v1/auth/amazon/callback",
    pkce,
    context: { region: "EU" }
  })

describe("OAuth authorization-code flow", () => {
  it.effect("state and PKCE: the stored verifier hashes to the challenge sent to the provider (S256)", () =>
    Effect.gen(function* () {
      const { state, codeChallenge, binding } = yield* start()
      assert.match(state, /^[\w-]{43}$/)
      const { pending, code } = yield* OAuthFlow.complete("amazon_ads", { state, binding, code: "auth-code" })
      assert.strictEqual(code, "auth-code")
      assert.match(pending.codeVerifier ?? "", /^[A-Za-z0-9_-]{43}$/)
      assert.strictEqual(
        createHash("sha256")
          .update(pending.codeVerifier ?? "")
          .digest("base64url"),
        codeChallenge
      )
      assert.deepStrictEqual(pending.context, { region: "EU" })
    }).pipe(Effect.provide(MemoryOAuthStateStore.layer))
  )

  it.effect(
    "denied consent, replayed state, another provider's callback and an expired link are refused with a human message",
    () =>
      Effect.gen(function* () {
        const denied = yield* start()
        const deniedError = yield* flowError(
          OAuthFlow.complete("amazon_ads", { state: denied.state, binding: denied.binding, error: "access_denied" })
        )
        assert.strictEqual(deniedError.reason, "denied")
        assert.strictEqual(OAuthFlow.userMessage(deniedError), "Connection failed: you denied permission.")
        const replay = yield* flowError(
          OAuthFlow.complete("amazon_ads", { state: denied.state, binding: denied.binding, code: "x" })
        )
        assert.strictEqual(replay.reason, "state_invalid", "the state was consumed by the denied callback")

        const other = yield* start()
        assert.strictEqual(
          (yield* flowError(OAuthFlow.complete("shopify", { state: other.state, binding: other.binding, code: "x" })))
            .reason,
          "state_invalid"
        )

        const stale = yield* start()
        yield* TestClock.adjust("11 minutes")
        const expired = yield* flowError(
          OAuthFlow.complete("amazon_ads", { state: stale.state, binding: stale.binding, code: "x" })
        )
        assert.strictEqual(OAuthFlow.userMessage(expired), "The link expired, try again.")
        assert.strictEqual((yield* flowError(OAuthFlow.complete("amazon_ads", { code: "x" }))).reason, "state_invalid")
      }).pipe(Effect.provide(MemoryOAuthStateStore.layer))
  )

  it.effect(
    "a flow completes only in the browser that started it: another browser (no or another cookie) is refused without spending the state, so whoever sees a pending state cannot cancel the merchant's flow",
    () =>
      Effect.gen(function* () {
        const started = yield* start()
        const elsewhere = yield* flowError(OAuthFlow.complete("amazon_ads", { state: started.state, code: "x" }))
        assert.strictEqual(elsewhere.reason, "session_mismatch")
        const forged = yield* flowError(
          OAuthFlow.complete("amazon_ads", { state: started.state, binding: "someone-elses-cookie", code: "x" })
        )
        assert.strictEqual(forged.reason, "session_mismatch")
        const { pending } = yield* OAuthFlow.complete("amazon_ads", {
          state: started.state,
          binding: started.binding,
          code: "x"
        })
        assert.deepStrictEqual(pending.context, { region: "EU" }, "the merchant's own browser still completes")
        const spent = yield* flowError(
          OAuthFlow.complete("amazon_ads", { state: started.state, binding: started.binding, code: "x" })
        )
        assert.strictEqual(spent.reason, "state_invalid", "then the state is spent")
        const other = yield* start()
        const wrongCookie = yield* flowError(
          OAuthFlow.complete("amazon_ads", { state: other.state, binding: started.binding, code: "x" })
        )
        assert.strictEqual(wrongCookie.reason, "session_mismatch")
      }).pipe(Effect.provide(MemoryOAuthStateStore.layer))
  )
})
