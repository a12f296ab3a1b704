/**
 * Connection tokens end to end against a fake OAuth provider that rotates refresh tokens, on real Postgres and
 * Redis: refresh-on-401 exactly once, rotation persisted atomically, revocation → needs_reauth (once, audited),
 * and two managers (two "processes") racing through a simulated day without ever losing the refresh token.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { HttpClientRequest, type HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import { randomUUID } from "node:crypto"
import * as OAuth2 from "../../adapters/providers/shared/OAuth2.ts"
import { ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"
import type { ProviderError } from "../../core/providers/ProviderError.ts"
import { AuditLog } from "../../core/audit/ports/AuditLog.ts"
import * as Connections from "../../core/connections/Connections.ts"
import { connectionTokenSource } from "../../core/connections/ConnectionTokens.ts"
import { ConnectionRepository } from "../../core/connections/ports/ConnectionRepository.ts"
import { TokenManager, TokenRejected } from "../../core/connections/TokenManager.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { Email, OrganizationName } from "../../core/identity/Identity.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { type FakeOAuthProvider, startFakeOAuthProvider } from "../fakes/FakeOAuthProvider.ts"
import { tokenStack } from "../support/TokenStack.ts"

const CLIENT = { clientId: "tp-client", clientSecret: "tp-secret" }

const fakeOAuth = (options: { readonly expiresIn?: number } = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeOAuthProvider({ ...CLIENT, ...options })),
    (f) => Effect.promise(f.close)
  )

/** An organisation with one connection holding `accessToken` (believed valid for an hour) and a live refresh token. */
const setup = (fake: FakeOAuthProvider, accessToken: string, expiresInMinutes = 60) =>
  Effect.gen(function* () {
    const organizationId = OrgId.make(randomUUID())
    const identity = yield* IdentityRepository
    const transactions = yield* Transactions
    yield* transactions.inOrganization(organizationId)(
      identity.registerOwner({
        organizationId,
        userId: UserId.make(randomUUID()),
        organizationName: OrganizationName.make("Token Test"),
        email: Email.make(`${randomUUID()}@example.com`),
        passwordHash: "scrypt$unused"
      })
    )
    const connection = yield* Connections.connect({
      organizationId,
      actorUserId: undefined,
      provider: "shopify",
      externalAccount: `${randomUUID().slice(0, 8)}.myshopify.com`,
      displayName: "shop",
      credentials: Redacted.make({ accessToken, refreshToken: fake.issueRefreshToken() }),
      tokenExpiresAt: DateTime.addDuration(yield* DateTime.now, Duration.minutes(expiresInMinutes))
    })
    const source = connectionTokenSource({
      organizationId,
      connectionId: connection.id,
      provider: "shopify",
      env: "test",
      grant: (credentials) =>
        OAuth2.refreshToken(
          {
            provider: "shopify",
            url: `${fake.url}/oauth/token`,
            clientId: CLIENT.clientId,
            clientSecret: Redacted.make(CLIENT.clientSecret),
            clientAuth: "body"
          },
          Redacted.make(credentials["refreshToken"] ?? "")
        )
    })
    return { organizationId, connectionId: connection.id, source }
  })

const callResource =
  (fake: FakeOAuthProvider, path: string) =>
  (
    token: Redacted.Redacted<string>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, TokenRejected | ProviderError, ProviderClient> =>
    Effect.gen(function* () {
      const client = yield* ProviderClient
      return yield* client
        .execute(
          HttpClientRequest.get(`${fake.url}${path}`).pipe(HttpClientRequest.bearerToken(Redacted.value(token))),
          { provider: "shopify", operation: path }
        )
        .pipe(
          Effect.mapError((e): TokenRejected | ProviderError => (e.reason === "Unauthorized" ? new TokenRejected() : e))
        )
    })

const stack = () => Layer.fresh(TokenManager.layer().pipe(Layer.provideMerge(tokenStack(`tokens:${randomUUID()}:`))))

describe("connection tokens", () => {
  it.live(
    "an expired token: 401 → one refresh → the retried call succeeds; the rotated pair is stored atomically",
    () =>
      Effect.gen(function* () {
        const fake = yield* fakeOAuth()
        const { organizationId, connectionId, source } = yield* setup(fake, "at_revoked_by_provider")
        const manager = yield* TokenManager
        const response = yield* manager.withToken(source, callResource(fake, "/admin/api/orders.json"))
        assert.strictEqual(response.status, 200)
        assert.strictEqual(fake.tokenRequests(), 1)
        assert.strictEqual(
          fake.count((r) => r.path === "/admin/api/orders.json"),
          2
        )
        const stored = yield* Connections.readCredentials(organizationId, connectionId)
        const credentials = Redacted.value(stored.credentials)
        assert.match(credentials["refreshToken"] ?? "", /^rt_/)
        assert.match(credentials["accessToken"] ?? "", /^at_/)
        const audit = yield* (yield* AuditLog).list(organizationId, { limit: 20 })
        assert.isTrue(audit.entries.some((e) => e.action === "TOKEN_REFRESHED" && e.target === connectionId))
      }).pipe(Effect.provide(stack()), Effect.scoped),
    30_000
  )

  it.live(
    "still 401 after the refresh: a typed failure, and no third call",
    () =>
      Effect.gen(function* () {
        const fake = yield* fakeOAuth()
        const { source } = yield* setup(fake, "at_revoked_by_provider")
        const manager = yield* TokenManager
        const error = yield* Effect.flip(manager.withToken(source, callResource(fake, "/always-401")))
        assert.strictEqual(error._tag, "TokenStillRejected")
        assert.strictEqual(
          fake.count((r) => r.path === "/always-401"),
          2
        )
        assert.strictEqual(fake.tokenRequests(), 1)
      }).pipe(Effect.provide(stack()), Effect.scoped),
    30_000
  )

  it.live(
    "a revoked refresh token marks the connection needs_reauth, once, with audit entries",
    () =>
      Effect.gen(function* () {
        const fake = yield* fakeOAuth()
        const { organizationId, connectionId, source } = yield* setup(fake, "at_revoked", 1)
        fake.revokeRefreshTokens()
        const manager = yield* TokenManager
        const first = yield* Effect.flip(manager.get(source))
        assert.strictEqual(first._tag, "TokenUnavailable")
        assert.strictEqual(first._tag === "TokenUnavailable" ? first.reason : "", "needs_reauth")
        const again = yield* Effect.flip(manager.get(source))
        assert.strictEqual(again._tag === "TokenUnavailable" ? again.reason : "", "needs_reauth")
        const connection = yield* (yield* ConnectionRepository).get(organizationId, connectionId)
        assert.strictEqual(Option.getOrThrow(connection).status, "needs_reauth")
        assert.include(Option.getOrThrow(connection).lastError ?? "", "invalid_grant")
        const audit = yield* (yield* AuditLog).list(organizationId, { limit: 20 })
        assert.strictEqual(audit.entries.filter((e) => e.action === "NEEDS_REAUTH").length, 1)
        assert.strictEqual(fake.tokenRequests(), 1, "a connection waiting for re-auth is not hammered")
      }).pipe(Effect.provide(stack()), Effect.scoped),
    30_000
  )
})

describe("two refreshers racing through a simulated day", () => {
  it.effect(
    "rotating refresh tokens, two token managers sharing Redis and Postgres: never needs_reauth, one refresh per expiry",
    () =>
      Effect.gen(function* () {
        const fake = yield* fakeOAuth({ expiresIn: 3600 })
        const { organizationId, connectionId, source } = yield* setup(fake, "at_initial_unknown_to_provider", 30)
        const prefix = `race:${randomUUID()}:`
        const buildManager = Layer.build(Layer.fresh(TokenManager.layer().pipe(Layer.provide(tokenStack(prefix)))))
        const one = Context.get(yield* buildManager, TokenManager)
        const two = Context.get(yield* buildManager, TokenManager)
        for (let step = 0; step < 24 * 6; step++) {
          yield* Effect.all([one.get(source), two.get(source)], { concurrency: 2 })
          yield* TestClock.adjust(Duration.minutes(10))
        }
        const connection = Option.getOrThrow(yield* (yield* ConnectionRepository).get(organizationId, connectionId))
        assert.strictEqual(connection.status, "connected")
        assert.isNull(connection.lastError, "no refresh ever failed (a lost rotated token would be invalid_grant)")
        // The first token expires at 30 min; after that one refresh per hour of simulated time.
        assert.isAtLeast(fake.tokenRequests(), 24)
        assert.isAtMost(fake.tokenRequests(), 25)
      }).pipe(
        Effect.provide(
          Layer.fresh(TokenManager.layer().pipe(Layer.provideMerge(tokenStack(`setup:${randomUUID()}:`))))
        ),
        Effect.scoped
      ),
    120_000
  )
})
