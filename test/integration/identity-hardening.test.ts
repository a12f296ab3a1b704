/** Regression tests for the identity review: each case was an exploit or a wrong answer before it was fixed. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { call, json, login, PASSWORD, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

describe("identity hardening", () => {
  // Distinct budgets, so a response's RateLimit-Limit says which one counted it.
  const budgets = { RATE_LIMIT_AUTH_PER_MINUTE: "5000", RATE_LIMIT_GLOBAL_PER_MINUTE: "90000" }
  layer(testApp(budgets), { excludeTestServices: true, timeout: 60_000 })("review regressions", (it) => {
    it.effect("a demoted or removed owner's still-valid token carries no power", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("hard-a@example.com")
        const added = yield* call("POST", "/api/v1/org/members", {
          token: a.accessToken,
          body: { email: "hard-b@example.com", password: PASSWORD, role: "owner" }
        }).pipe(Effect.flatMap(json))
        const b = yield* login("hard-b@example.com")
        const bId = String(added["userId"])
        assert.strictEqual(
          (yield* call("PATCH", `/api/v1/org/members/${bId}`, { token: a.accessToken, body: { role: "member" } }))
            .status,
          200
        )
        const selfPromote = yield* call("PATCH", `/api/v1/org/members/${bId}`, {
          token: b.accessToken,
          body: { role: "owner" }
        })
        assert.strictEqual(selfPromote.status, 403, "the role in force is the database's, not the token's")
        assert.strictEqual((yield* call("DELETE", `/api/v1/org/members/${bId}`, { token: a.accessToken })).status, 204)
        const backdoor = yield* call("POST", "/api/v1/org/members", {
          token: b.accessToken,
          body: { email: "hard-b2@example.com", password: PASSWORD, role: "owner" }
        })
        assert.strictEqual(backdoor.status, 401, "a removed member's token is refused")
        assert.strictEqual((yield* call("GET", "/api/v1/org/members", { token: b.accessToken })).status, 401)
      })
    )

    it.effect("removing or re-roling a member whose role changed meanwhile is a 409, never a silent act", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("race-a@example.com")
        const member = yield* call("POST", "/api/v1/org/members", {
          token: a.accessToken,
          body: { email: "race-m@example.com", password: PASSWORD, role: "owner" }
        }).pipe(Effect.flatMap(json))
        const repository = yield* IdentityRepository
        const org = OrgId.make(a.organizationId)
        const user = UserId.make(String(member["userId"]))
        // An admin read the target as "member"; an owner has made them owner since.
        const remove = yield* Effect.flip(repository.removeMember(org, user, "member"))
        assert.strictEqual(remove._tag, "MemberChanged")
        const change = yield* Effect.flip(repository.changeRole(org, user, "member", "admin"))
        assert.strictEqual(change._tag, "MemberChanged")
        const members = yield* repository.listMembers(org)
        assert.strictEqual(members.find((m) => m.userId === user)?.role, "owner")
      })
    )

    it.effect("the auth budget cannot be dodged by spelling the path differently", () =>
      Effect.gen(function* () {
        const spellings = [
          "/API/v1/auth/login",
          "/api/v1//auth/login",
          "/api/v1/%61uth/login",
          "/api/v1/auth/login/",
          // The router ends the path at `;` (and `?`, `#`) and decodes it with decodeURI: this reaches login too.
          "/%61pi/v1/auth/login;%ZZ",
          "/api/v1/auth/login;jsessionid=1"
        ]
        let reachedLogin = 0
        for (const path of spellings) {
          const response = yield* call("POST", path, { body: { email: "x@example.com", password: "wrong" } })
          assert.include([401, 404], response.status, path)
          if (response.status === 401) {
            reachedLogin++
            assert.strictEqual(response.headers["ratelimit-limit"], "5000", `${path} counts against the auth budget`)
            assert.strictEqual(response.headers["cache-control"], "no-store")
          }
        }
        assert.isAtLeast(reachedLogin, 5, "the alternative spellings do reach the login handler")
      })
    )

    it.effect("an audit cursor beyond the bigint range is a 400, not a 500", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("cursor@example.com")
        const response = yield* call("GET", "/api/v1/org/audit?before=9999999999999999999", { token: a.accessToken })
        assert.strictEqual(response.status, 400)
      })
    )

    it.effect("a transaction carrying only a user context can read that user's memberships but never delete them", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("userpath@example.com")
        const sql = yield* SqlClient.SqlClient
        const result = yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT set_config('app.user_id', ${a.userId}, true)`
            const visible = yield* sql`SELECT 1 FROM memberships WHERE user_id = ${a.userId}`
            const deleted = yield* sql`DELETE FROM memberships WHERE user_id = ${a.userId} RETURNING 1`
            const orgsDeleted = yield* sql`DELETE FROM organizations WHERE id = ${a.organizationId} RETURNING 1`
            return { visible: visible.length, deleted: deleted.length, orgsDeleted: orgsDeleted.length }
          })
        )
        assert.deepStrictEqual(result, { visible: 1, deleted: 0, orgsDeleted: 0 })
      })
    )
  })
})
