/**
 * Identity end to end over HTTP on real Postgres and Redis: sessions with rotation and reuse detection,
 * lockout, roles, and the audit trail.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, json, login, PASSWORD, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

describe("identity over HTTP", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 60_000 })("sessions", (it) => {
    it.effect("register → login → refresh rotates → reusing the old token is 401 and kills the new one → audited", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("rotation@example.com")
        assert.match(owner.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/)
        const me = yield* call("GET", "/api/v1/me", { token: owner.accessToken }).pipe(Effect.flatMap(json))
        assert.strictEqual((me["user"] as Record<string, unknown>)["email"], "rotation@example.com")
        assert.strictEqual(me["role"], "owner")

        const rotated = yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: owner.refreshToken } })
        assert.strictEqual(rotated.status, 200)
        assert.strictEqual(rotated.headers["cache-control"], "no-store")
        const second = yield* json(rotated)
        assert.notStrictEqual(second["refreshToken"], owner.refreshToken)

        const reuse = yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: owner.refreshToken } })
        assert.strictEqual(reuse.status, 401)
        assert.strictEqual((yield* json(reuse))["code"], "invalid_refresh_token")
        const dead = yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: second["refreshToken"] } })
        assert.strictEqual(dead.status, 401, "the whole family was revoked")

        const fresh = yield* login("rotation@example.com")
        const audit = yield* call("GET", "/api/v1/org/audit", { token: fresh.accessToken }).pipe(Effect.flatMap(json))
        const actions = (audit["entries"] as Array<Record<string, unknown>>).map((e) => e["action"])
        assert.includeMembers(actions, ["USER_REGISTERED", "LOGIN_SUCCEEDED", "TOKEN_REUSE_DETECTED"])
        const reuseEntry = (audit["entries"] as Array<Record<string, unknown>>).find(
          (e) => e["action"] === "TOKEN_REUSE_DETECTED"
        )
        assert.isString(reuseEntry?.["requestId"], "audit entries carry the request id")
      })
    )

    it.effect("reuse detected → every access token of that family is 401 at once; other sessions are untouched", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("reuse-denylist@example.com")
        const other = yield* login("reuse-denylist@example.com")
        const rotated = yield* call("POST", "/api/v1/auth/refresh", {
          body: { refreshToken: owner.refreshToken }
        }).pipe(Effect.flatMap(json))
        const rotatedAccess = String(rotated["accessToken"])
        assert.strictEqual((yield* call("GET", "/api/v1/me", { token: rotatedAccess })).status, 200)
        assert.strictEqual((yield* call("GET", "/api/v1/me", { token: owner.accessToken })).status, 200)

        const reuse = yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: owner.refreshToken } })
        assert.strictEqual(reuse.status, 401)
        for (const token of [owner.accessToken, rotatedAccess]) {
          const denied = yield* call("GET", "/api/v1/me", { token })
          assert.strictEqual(denied.status, 401, "an access token of the revoked family")
          assert.strictEqual((yield* json(denied))["code"], "invalid_token")
        }
        assert.strictEqual((yield* call("GET", "/api/v1/me", { token: other.accessToken })).status, 200)
      })
    )

    it.effect("logout → the session's access token is 401 at once", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("logout-denylist@example.com")
        assert.strictEqual((yield* call("GET", "/api/v1/me", { token: owner.accessToken })).status, 200)
        const out = yield* call("POST", "/api/v1/auth/logout", { body: { refreshToken: owner.refreshToken } })
        assert.strictEqual(out.status, 204)
        assert.strictEqual((yield* call("GET", "/api/v1/me", { token: owner.accessToken })).status, 401)
      })
    )

    it.effect("logout revokes the session; a bad or missing bearer token is a 401 problem", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("logout@example.com")
        assert.strictEqual(
          (yield* call("POST", "/api/v1/auth/logout", { body: { refreshToken: owner.refreshToken } })).status,
          204
        )
        assert.strictEqual(
          (yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: owner.refreshToken } })).status,
          401
        )
        const noToken = yield* call("GET", "/api/v1/me")
        assert.strictEqual(noToken.status, 401)
        const forged = yield* call("GET", "/api/v1/me", { token: `${owner.accessToken.slice(0, -4)}AAAA` })
        assert.strictEqual(forged.status, 401)
        assert.strictEqual((yield* json(forged))["code"], "invalid_token")
      })
    )

    it.effect("6 wrong passwords lock the account with the same answer as a wrong password", () =>
      Effect.gen(function* () {
        yield* signUpAndLogin("locked@example.com")
        const wrong = () =>
          call("POST", "/api/v1/auth/login", { body: { email: "locked@example.com", password: "wrong password" } })
        const bodies: Array<Record<string, unknown>> = []
        for (let i = 0; i < 6; i++) {
          const response = yield* wrong()
          assert.strictEqual(response.status, 401)
          bodies.push(yield* json(response))
        }
        const locked = yield* call("POST", "/api/v1/auth/login", {
          body: { email: "locked@example.com", password: PASSWORD }
        })
        assert.strictEqual(locked.status, 401)
        const lockedBody = yield* json(locked)
        const shape = (b: Record<string, unknown>) => ({ ...b, requestId: "-" })
        assert.deepStrictEqual(shape(lockedBody), shape(bodies[0]!))
        const unknown = yield* call("POST", "/api/v1/auth/login", {
          body: { email: "nobody@example.com", password: PASSWORD }
        })
        assert.deepStrictEqual(
          shape(yield* json(unknown)),
          shape(bodies[0]!),
          "unknown accounts are not revealed either"
        )
      })
    )

    it.effect("roles: members read, admins manage members, only owners touch ownership, the last owner stays", () =>
      Effect.gen(function* () {
        const owner = yield* signUpAndLogin("roles-owner@example.com")
        const added = yield* call("POST", "/api/v1/org/members", {
          token: owner.accessToken,
          body: { email: "roles-member@example.com", password: PASSWORD, role: "member" }
        })
        assert.strictEqual(added.status, 201)
        const memberId = String((yield* json(added))["userId"])
        const member = yield* login("roles-member@example.com")

        const list = yield* call("GET", "/api/v1/org/members", { token: member.accessToken }).pipe(Effect.flatMap(json))
        assert.strictEqual((list["members"] as Array<unknown>).length, 2)
        const denied = yield* call("POST", "/api/v1/org/members", {
          token: member.accessToken,
          body: { email: "nope@example.com", password: PASSWORD, role: "member" }
        })
        assert.strictEqual(denied.status, 403)
        assert.strictEqual((yield* json(denied))["code"], "insufficient_role")
        assert.strictEqual((yield* call("GET", "/api/v1/org/audit", { token: member.accessToken })).status, 403)

        const promoted = yield* call("PATCH", `/api/v1/org/members/${memberId}`, {
          token: owner.accessToken,
          body: { role: "admin" }
        })
        assert.strictEqual((yield* json(promoted))["role"], "admin")
        const admin = yield* login("roles-member@example.com")
        const toOwner = yield* call("PATCH", `/api/v1/org/members/${owner.userId}`, {
          token: admin.accessToken,
          body: { role: "member" }
        })
        assert.strictEqual(toOwner.status, 403, "an admin cannot demote an owner")
        const lastOwner = yield* call("PATCH", `/api/v1/org/members/${owner.userId}`, {
          token: owner.accessToken,
          body: { role: "admin" }
        })
        assert.strictEqual(lastOwner.status, 409)
        assert.strictEqual((yield* json(lastOwner))["code"], "last_owner")
        const removed = yield* call("DELETE", `/api/v1/org/members/${memberId}`, { token: owner.accessToken })
        assert.strictEqual(removed.status, 204)
        const audit = yield* call("GET", "/api/v1/org/audit", { token: owner.accessToken }).pipe(Effect.flatMap(json))
        assert.includeMembers(
          (audit["entries"] as Array<Record<string, unknown>>).map((e) => e["action"]),
          ["MEMBER_ADDED", "ROLE_CHANGED", "MEMBER_REMOVED"]
        )
        // The removed member's refresh no longer works: the session's membership is gone.
        assert.strictEqual(
          (yield* call("POST", "/api/v1/auth/refresh", { body: { refreshToken: admin.refreshToken } })).status,
          401
        )
      })
    )
  })
})
