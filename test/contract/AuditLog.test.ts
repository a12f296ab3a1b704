/**
 * The AuditLog contract on both adapters (memory, Postgres): `record` keeps what it is given and stamps the
 * current request id; `list` shows one organisation's entries only, newest first, never platform entries, pages
 * with `before`/`nextCursor` down to the oldest entry, and filters by target. Organisations are registered through
 * the IdentityRepository of the same technology (Postgres needs the organisation row).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import * as MemoryAuditLog from "../../adapters/memory/MemoryAuditLog.ts"
import * as MemoryIdentityRepository from "../../adapters/memory/MemoryIdentityRepository.ts"
import * as PgAuditLog from "../../adapters/postgres/PgAuditLog.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"
import type { AuditRecord } from "../../core/audit/Audit.ts"
import { AuditLog, type AuditPage } from "../../core/audit/ports/AuditLog.ts"
import { Email, OrganizationName } from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"
import { CurrentRequestId } from "../../core/shared/RequestContext.ts"
import * as TestDatabase from "../support/TestDatabase.ts"

/** A registered organisation and its owner. */
const organization = Effect.gen(function* () {
  const identity = yield* IdentityRepository
  const { organization, user } = yield* identity.registerOwner({
    organizationId: OrgId.make(randomUUID()),
    userId: UserId.make(randomUUID()),
    organizationName: OrganizationName.make("Audited"),
    email: Email.make(`${randomUUID()}@example.com`),
    passwordHash: "x"
  })
  return { org: organization.id, owner: user.id }
})

/** Every field but the adapter-assigned ones; a trace id an adapter may add to the details is left out. */
const content = (r: AuditRecord) => {
  const { traceId: _traceId, ...details } = r.details
  return {
    organizationId: r.organizationId,
    actorUserId: r.actorUserId,
    action: r.action,
    target: r.target,
    requestId: r.requestId,
    details
  }
}

/** Records one MEMBER_ADDED entry per target, in order. */
const recordAll = (org: OrgId, targets: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const audit = yield* AuditLog
    for (const target of targets) {
      yield* audit.record({ organizationId: org, actorUserId: undefined, action: "MEMBER_ADDED", target })
    }
  })

/** Walks every page of `list` with `limit`, returning the targets page by page. */
const pages = (org: OrgId, limit: number, target?: string) =>
  Effect.gen(function* () {
    const audit = yield* AuditLog
    const seen: Array<ReadonlyArray<string | null>> = []
    let before: string | undefined
    for (let page = 0; page < 20; page++) {
      const result: AuditPage = yield* audit.list(org, { limit, before, target })
      seen.push(result.entries.map((e) => e.target))
      if (result.nextCursor === undefined) return seen
      before = result.nextCursor
    }
    return seen
  })

const contract = (name: string, adapters: Layer.Layer<AuditLog | IdentityRepository>) =>
  layer(adapters, { excludeTestServices: true })(`AuditLog contract: ${name}`, (it) => {
    it.effect("an organisation sees its own entries only, newest first, as recorded with the request id", () =>
      Effect.gen(function* () {
        const audit = yield* AuditLog
        const a = yield* organization
        const b = yield* organization
        yield* audit
          .record({
            organizationId: a.org,
            actorUserId: a.owner,
            action: "MEMBER_ADDED",
            target: "user-1",
            details: { role: "admin" }
          })
          .pipe(Effect.provideService(CurrentRequestId, "req-1"))
        yield* audit.record({ organizationId: b.org, actorUserId: b.owner, action: "LOGIN_SUCCEEDED" })
        // A platform entry (no organisation) is never listed to any tenant.
        yield* audit.record({ organizationId: undefined, actorUserId: undefined, action: "LOGIN_FAILED", target: "x" })
        yield* audit.record({
          organizationId: a.org,
          actorUserId: a.owner,
          action: "ROLE_CHANGED",
          target: "user-1",
          details: { from: "admin", to: "member", notify: false, attempt: 2 }
        })
        const listed = yield* audit.list(a.org, { limit: 10 })
        assert.deepStrictEqual(listed.entries.map(content), [
          {
            organizationId: a.org,
            actorUserId: a.owner,
            action: "ROLE_CHANGED",
            target: "user-1",
            requestId: null,
            details: { from: "admin", to: "member", notify: false, attempt: 2 }
          },
          {
            organizationId: a.org,
            actorUserId: a.owner,
            action: "MEMBER_ADDED",
            target: "user-1",
            requestId: "req-1",
            details: { role: "admin" }
          }
        ])
        assert.isUndefined(listed.nextCursor)
        assert.notStrictEqual(listed.entries[0]!.id, listed.entries[1]!.id)
        for (const entry of listed.entries) assert.isFalse(Number.isNaN(Date.parse(entry.occurredAt)), entry.occurredAt)
        const other = yield* audit.list(b.org, { limit: 10 })
        assert.deepStrictEqual(other.entries.map(content), [
          {
            organizationId: b.org,
            actorUserId: b.owner,
            action: "LOGIN_SUCCEEDED",
            target: null,
            requestId: null,
            details: {}
          }
        ])
        assert.deepStrictEqual((yield* audit.list(OrgId.make(randomUUID()), { limit: 10 })).entries, [])
      })
    )

    it.effect("pages walk from the newest entry to the oldest; only a page with more behind it has a cursor", () =>
      Effect.gen(function* () {
        const a = yield* organization
        const b = yield* organization
        yield* recordAll(a.org, ["a1", "a2"])
        yield* recordAll(b.org, ["b1"])
        yield* recordAll(a.org, ["a3", "a4"])
        yield* recordAll(b.org, ["b2"])
        yield* recordAll(a.org, ["a5"])
        assert.deepStrictEqual(yield* pages(a.org, 2), [["a5", "a4"], ["a3", "a2"], ["a1"]])
        assert.deepStrictEqual(yield* pages(a.org, 5), [["a5", "a4", "a3", "a2", "a1"]], "a full last page: no cursor")
        assert.deepStrictEqual(yield* pages(a.org, 1), [["a5"], ["a4"], ["a3"], ["a2"], ["a1"]])
        assert.deepStrictEqual(yield* pages(b.org, 1), [["b2"], ["b1"]])
      })
    )

    it.effect("a target filter narrows the list to that target, also across pages", () =>
      Effect.gen(function* () {
        const a = yield* organization
        yield* recordAll(a.org, ["x", "y", "x", "y", "x", "y", "x"])
        assert.deepStrictEqual(yield* pages(a.org, 3, "x"), [["x", "x", "x"], ["x"]])
        assert.deepStrictEqual(yield* pages(a.org, 10, "y"), [["y", "y", "y"]])
        assert.deepStrictEqual(yield* pages(a.org, 10, "nobody"), [[]])
      })
    )

    it.effect("entries recorded concurrently are all kept, each with its own id", () =>
      Effect.gen(function* () {
        const audit = yield* AuditLog
        const a = yield* organization
        const targets = Array.from({ length: 20 }, (_, i) => `t${i}`)
        yield* Effect.forEach(targets, (target) => recordAll(a.org, [target]), { concurrency: "unbounded" })
        const listed = yield* audit.list(a.org, { limit: 50 })
        assert.deepStrictEqual(listed.entries.map((e) => e.target).sort(), [...targets].sort())
        assert.strictEqual(new Set(listed.entries.map((e) => e.id)).size, 20)
      })
    )
  })

describe("AuditLog", () => {
  contract("memory", Layer.mergeAll(MemoryAuditLog.layer, MemoryIdentityRepository.layer))
  contract(
    "postgres",
    Layer.mergeAll(PgAuditLog.layer, PgIdentityRepository.layer).pipe(Layer.provide(TestDatabase.layer), Layer.orDie)
  )
})
