/**
 * Tenant isolation, enforced by Postgres row-level security: org B's token gets 404 (never data) for org A's
 * resources on every tenant endpoint and changes nothing; a query without an organisation context sees no rows.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { call, json, PASSWORD, signUpAndLogin } from "../support/Api.ts"
import * as Tenancy from "../../adapters/postgres/Tenancy.ts"
import { testApp } from "../support/TestApp.ts"
import { AdminDatabase } from "../support/TestDatabase.ts"

describe("tenant isolation", () => {
  layer(testApp(), { excludeTestServices: true, timeout: 60_000 })("two organisations", (it) => {
    it.effect("org B cannot read, change or delete org A's members, audit or identity", () =>
      Effect.gen(function* () {
        const a = yield* signUpAndLogin("owner-a@example.com", "Org A")
        const b = yield* signUpAndLogin("owner-b@example.com", "Org B")
        const memberA = yield* call("POST", "/api/v1/org/members", {
          token: a.accessToken,
          body: { email: "member-a@example.com", password: PASSWORD, role: "member" }
        }).pipe(Effect.flatMap(json))
        const memberAId = String(memberA["userId"])
        const { sql: admin } = yield* AdminDatabase
        const snapshot = admin<{ user_id: string; role: string }>`
          SELECT user_id::text, role FROM memberships WHERE organization_id = ${a.organizationId} ORDER BY user_id`
        const before = yield* snapshot

        // Every tenant endpoint, aimed at org A's resources with org B's owner token.
        const change = yield* call("PATCH", `/api/v1/org/members/${memberAId}`, {
          token: b.accessToken,
          body: { role: "admin" }
        })
        const remove = yield* call("DELETE", `/api/v1/org/members/${memberAId}`, { token: b.accessToken })
        const removeOwner = yield* call("DELETE", `/api/v1/org/members/${a.userId}`, { token: b.accessToken })
        for (const response of [change, remove, removeOwner]) {
          assert.strictEqual(response.status, 404)
          assert.strictEqual((yield* json(response))["code"], "member_not_found")
        }
        const listB = yield* call("GET", "/api/v1/org/members", { token: b.accessToken }).pipe(Effect.flatMap(json))
        assert.deepStrictEqual(
          (listB["members"] as Array<Record<string, unknown>>).map((m) => m["email"]),
          ["owner-b@example.com"]
        )
        const auditB = yield* call("GET", "/api/v1/org/audit", { token: b.accessToken }).pipe(Effect.flatMap(json))
        const targets = (auditB["entries"] as Array<Record<string, unknown>>).map((e) => e["organizationId"])
        assert.isTrue(targets.every((o) => o === b.organizationId))
        const meB = yield* call("GET", "/api/v1/me", { token: b.accessToken }).pipe(Effect.flatMap(json))
        assert.strictEqual((meB["organization"] as Record<string, unknown>)["id"], b.organizationId)
        // Choosing org A at login is refused for B's owner (not a member there).
        const wrongOrg = yield* call("POST", "/api/v1/auth/login", {
          body: { email: "owner-b@example.com", password: PASSWORD, organizationId: a.organizationId }
        })
        assert.strictEqual(wrongOrg.status, 401)

        assert.deepStrictEqual(yield* snapshot, before, "org A's memberships are untouched")
      })
    )

    it.effect("the app's database role sees no tenant rows without an organisation context", () =>
      Effect.gen(function* () {
        const c = yield* signUpAndLogin("context@example.com", "Org C")
        const d = yield* signUpAndLogin("context-d@example.com", "Org D")
        const sql = yield* SqlClient.SqlClient
        const { sql: admin } = yield* AdminDatabase
        for (const table of ["organizations", "memberships", "audit_log"]) {
          const [asApp] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`
          const [asAdmin] = yield* admin<{ n: number }>`SELECT count(*)::int AS n FROM ${admin(table)}`
          assert.strictEqual(asApp?.n, 0, `${table} leaks without org context`)
          assert.isAbove(asAdmin?.n ?? 0, 0, `${table} has rows (the check is not vacuous)`)
        }
        const [role] = yield* sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
          SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`
        assert.deepStrictEqual(role, { rolsuper: false, rolbypassrls: false })
        // Acting as org D, an explicit write into org C is refused by the policy's WITH CHECK.
        const foreign = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              yield* sql`SELECT set_config('app.org_id', ${d.organizationId}, true)`
              yield* sql`INSERT INTO audit_log (organization_id, action) VALUES (${c.organizationId}, 'LOGOUT')`
            })
          )
          .pipe(Effect.flip)
        assert.strictEqual(foreign.reason._tag, "AuthorizationError", "refused by the row-level security policy")
      })
    )

    it.effect(
      "platform or other-organisation work nested in an organisation's transaction leaves its context behind",
      () =>
        Effect.gen(function* () {
          const f = yield* signUpAndLogin("nested-f@example.com", "Org F")
          const g = yield* signUpAndLogin("nested-g@example.com", "Org G")
          const sql = yield* SqlClient.SqlClient
          const setting = (name: string) =>
            sql<{ v: string }>`SELECT coalesce(current_setting(${name}, true), '') AS v`.pipe(
              Effect.map((rows) => rows[0]?.v ?? "")
            )
          const seen = yield* Tenancy.inOrganization(
            sql,
            f.organizationId
          )(
            Effect.gen(function* () {
              yield* Tenancy.asPlatform(sql)(sql`SELECT 1`)
              const platform = yield* setting("app.platform")
              yield* Tenancy.inOrganization(sql, g.organizationId)(sql`SELECT 1`)
              const org = yield* setting("app.org_id")
              // A nested unit that fails (and is handled) restores the context too.
              yield* Tenancy.inOrganization(sql, g.organizationId)(Effect.fail("inner failure")).pipe(Effect.ignore)
              const afterFailure = yield* setting("app.org_id")
              const organizations = yield* sql<{ id: string }>`SELECT id::text FROM organizations`
              return { platform, org, afterFailure, organizations: organizations.map((o) => o.id) }
            })
          )
          assert.deepStrictEqual(seen, {
            platform: "",
            org: f.organizationId,
            afterFailure: f.organizationId,
            organizations: [f.organizationId]
          })
        })
    )

    it.effect("the one-statement lookups' access ends with the call, even inside a transaction", () =>
      Effect.gen(function* () {
        const e = yield* signUpAndLogin("lookup-e@example.com", "Org E")
        const source = yield* call("POST", "/api/v1/connections/custom", {
          token: e.accessToken,
          body: { name: "Shop" }
        }).pipe(Effect.flatMap(json))
        const connectionId = String((source["connection"] as Record<string, unknown>)["id"])
        const sql = yield* SqlClient.SqlClient
        const seen = yield* sql.withTransaction(
          Effect.gen(function* () {
            const found = yield* sql<{
              organization_id: string
            }>`SELECT organization_id::text FROM webhook_source('custom', ${connectionId}::uuid)`
            const [setting] = yield* sql<{
              value: string | null
            }>`SELECT current_setting('app.platform', true) AS value`
            const [after] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM connections`
            return { found: found.map((r) => r.organization_id), setting: setting?.value ?? "", after: after?.n }
          })
        )
        assert.deepStrictEqual(seen, { found: [e.organizationId], setting: "", after: 0 })
        // The membership re-read sets the organisation for itself only.
        const member = yield* sql.withTransaction(
          Effect.gen(function* () {
            const found = yield* sql<{
              role: string
            }>`SELECT role FROM org_member(${e.organizationId}::uuid, ${e.userId}::uuid)`
            const [setting] = yield* sql<{ value: string | null }>`SELECT current_setting('app.org_id', true) AS value`
            const [after] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM memberships`
            return { found: found.map((r) => r.role), setting: setting?.value ?? "", after: after?.n }
          })
        )
        assert.deepStrictEqual(member, { found: ["owner"], setting: "", after: 0 })
        // Another provider's lookup of the same id finds nothing.
        assert.lengthOf(yield* sql`SELECT 1 FROM webhook_source('woocommerce', ${connectionId}::uuid)`, 0)
      })
    )
  })
})
