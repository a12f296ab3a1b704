/**
 * The backup runbook (docs/runbooks/backup.md) exercised end to end: data written through the app, `pg_dump` and
 * `pg_restore` run with exactly the runbook's flags, and the restored database checked table by table and served
 * by a fresh app with the same keyring (logins, orders, sealed webhook secrets, dedupe state all survive).
 *
 * pg_dump refuses a server newer than itself, and Debian ships no client for the embedded PostgreSQL 18. So this
 * test runs on a cluster of Debian's own PostgreSQL (`/usr/lib/postgresql/<n>/bin`, `apt-get install
 * postgresql-15`; `.ci/run` installs it), with the matching pg_dump — the procedure is the same on every version.
 */
import { assert, describe, layer } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { execFile } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import * as EmbeddedPostgres from "../../adapters/postgres/EmbeddedPostgres.ts"
import * as Migrations from "../../adapters/postgres/Migrations.ts"
import * as Provisioning from "../../adapters/postgres/Provisioning.ts"
import { call, json, login, signUpAndLogin } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"
import { signedDelivery } from "../support/Webhooks.ts"

const run = promisify(execFile)
const TOOLS = ["initdb", "postgres", "pg_ctl", "pg_dump", "pg_restore", "createdb"]

/** POSTGRES_BIN_DIR, or the newest Debian PostgreSQL with a server and its dump tools. */
const binDir = (): string => {
  const given = process.env["POSTGRES_BIN_DIR"]
  const root = "/usr/lib/postgresql"
  const candidates =
    given !== undefined && given !== ""
      ? [given]
      : existsSync(root)
        ? readdirSync(root)
            .sort((a, b) => Number(b) - Number(a))
            .map((v) => join(root, v, "bin"))
        : []
  const found = candidates.find((dir) => TOOLS.every((tool) => existsSync(join(dir, tool))))
  if (found === undefined) {
    throw new Error(
      "The backup round-trip test needs a PostgreSQL server with its pg_dump and pg_restore: " +
        "apt-get install -y postgresql-15 (or set POSTGRES_BIN_DIR)."
    )
  }
  return found
}

const ROLE = "tradeport"
const APP_PASSWORD = "backup-test-password"
const BACKUP_ROLE = "tradeport_backup"
const BACKUP_PASSWORD = "backup-role-password"

class Cluster extends Context.Service<
  Cluster,
  {
    readonly bin: string
    readonly version: string
    readonly admin: (database: string) => string
    readonly app: (database: string) => string
    readonly workDir: string
  }
>()("test/BackupCluster") {
  static readonly layer = Layer.effect(
    Cluster,
    Effect.gen(function* () {
      const bin = binDir()
      const workDir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "tradeport-backup-"))),
        (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
      )
      yield* EmbeddedPostgres.prepareParentDir(workDir)
      const server = yield* EmbeddedPostgres.start({
        dataDir: join(workDir, "data"),
        password: Redacted.make("backup-test-admin"),
        durability: "fast",
        binDir: bin
      }).pipe(Effect.orDie)
      const version = (yield* Effect.promise(() => run(join(bin, "pg_dump"), ["--version"]))).stdout.trim()
      return {
        bin,
        version,
        workDir,
        admin: (database) => Redacted.value(server.url(database)),
        app: (database) =>
          Redacted.value(
            Provisioning.appUrl({ adminUrl: server.url(), role: ROLE, password: Redacted.make(APP_PASSWORD), database })
          )
      }
    })
  )
}

/** What a superuser sees in every table of `public`: row count and a digest of the rows in a stable order. */
const snapshot = (url: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tables = yield* sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_class c
      WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY 1`
    const rows: Record<string, string> = {}
    for (const { name } of tables) {
      const [digest] = yield* sql<{ n: number; md5: string | null }>`
        SELECT count(*)::int AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS md5 FROM ${sql(name)} t`
      rows[name] = `${digest?.n}:${digest?.md5}`
    }
    const sequences = yield* sql<{ name: string; last: string | null }>`
      SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`
    const unforced = yield* sql<{ name: string }>`
      SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
        AND relrowsecurity AND NOT relforcerowsecurity`
    const forced = yield* sql<{ name: string }>`
      SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
        AND relrowsecurity AND relforcerowsecurity ORDER BY 1`
    const [policies] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_policies WHERE schemaname = 'public'`
    const [owner] = yield* sql<{ owner: string }>`
      SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()`
    const foreignOwned = yield* sql<{ name: string }>`
      SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND pg_get_userbyid(relowner) <> ${ROLE}
      UNION ALL
      SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND pg_get_userbyid(proowner) <> ${ROLE}`
    return {
      rows,
      sequences: sequences.map((s) => `${s.name}=${s.last}`),
      unforced: unforced.map((t) => t.name),
      forced: forced.map((t) => t.name),
      policies: policies?.n ?? 0,
      owner: owner?.owner,
      foreignOwned: foreignOwned.map((r) => r.name)
    }
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))

const deliver = (path: string, delivery: { readonly body: Uint8Array; readonly headers: Record<string, string> }) =>
  HttpClient.execute(
    HttpClientRequest.post(path).pipe(
      HttpClientRequest.setHeaders(delivery.headers),
      HttpClientRequest.bodyUint8Array(delivery.body, "application/json")
    )
  ).pipe(Effect.flatMap((r) => json(r).pipe(Effect.map((b) => `${r.status}:${String(b["outcome"])}`))))

const orderCreated = (externalOrderId: string) => ({
  type: "order.created",
  timestamp: new Date().toISOString(),
  data: { externalOrderId, lines: [{ sku: "BK-1", quantity: 1 }] }
})

const ordersOf = (token: string) =>
  call("GET", "/api/v1/orders", { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) =>
      (b["orders"] as Array<Record<string, unknown>>).map((o) => `${String(o["id"])}:${String(o["status"])}`).sort()
    )
  )

const levelOf = (token: string) =>
  call("GET", "/api/v1/inventory?sku=BK-1", { token }).pipe(
    Effect.flatMap(json),
    Effect.map((b) => (b["levels"] as Array<Record<string, number>>)[0])
  )

describe("backup and restore (docs/runbooks/backup.md)", () => {
  layer(Cluster.layer, { excludeTestServices: true, timeout: 180_000 })("pg_dump → pg_restore", (it) => {
    it.effect("a restored dump serves the same organisations, orders, sealed secrets and dedupe state", () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster
        const source = yield* Provisioning.ensureAppDatabase({
          adminUrl: Redacted.make(cluster.admin("postgres")),
          role: ROLE,
          password: Redacted.make(APP_PASSWORD),
          database: "tradeport"
        })
        yield* Migrations.run().pipe(Effect.provide(PgClient.layer({ url: source, maxConnections: 1 })), Effect.orDie)

        // 1. Real data, written through the app: an organisation and its owner, stock, a custom webhook source
        //    (its secret sealed with the keyring), an order from a webhook and one from the API with an
        //    Idempotency-Key.
        const written = yield* Effect.gen(function* () {
          const owner = yield* signUpAndLogin("backup@example.com", "Backed Up Ltd")
          yield* call("PUT", "/api/v1/products", {
            token: owner.accessToken,
            body: { products: [{ sku: "BK-1", name: "Backed up" }] }
          })
          yield* call("POST", "/api/v1/inventory/bulk", {
            token: owner.accessToken,
            body: [{ sku: "BK-1", quantity: 10 }]
          })
          const custom = yield* call("POST", "/api/v1/connections/custom", {
            token: owner.accessToken,
            body: { name: "Shop" }
          }).pipe(Effect.flatMap(json))
          const path = new URL(String(custom["webhookUrl"])).pathname
          const secret = String(custom["webhookSecret"])
          const first = signedDelivery(secret, orderCreated("BK-EXT-1"))
          assert.strictEqual(yield* deliver(path, first), "200:applied")
          const apiOrder = yield* HttpClient.execute(
            HttpClientRequest.post("/api/v1/orders").pipe(
              HttpClientRequest.bearerToken(owner.accessToken),
              HttpClientRequest.setHeader("idempotency-key", "backup-order-1"),
              HttpClientRequest.bodyJsonUnsafe({ lines: [{ sku: "BK-1", quantity: 2 }] })
            )
          )
          assert.strictEqual(apiOrder.status, 201)
          return {
            path,
            secret,
            first,
            apiOrderId: String((yield* json(apiOrder))["id"]),
            orders: yield* ordersOf(owner.accessToken),
            level: yield* levelOf(owner.accessToken)
          }
        }).pipe(
          Effect.provide(
            testApp({}, { database: { url: Redacted.value(source), adminUrl: cluster.admin("postgres") } })
          )
        )
        assert.strictEqual(written.orders.length, 2)
        assert.deepInclude(written.level, { onHand: 10, reserved: 3 })

        // 2. Back up, as the runbook says: as the read-only backup role (row-level security is forced on the app
        //    role, so pg_dump refuses to run as it), custom format, no owner.
        yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(`CREATE ROLE ${BACKUP_ROLE} LOGIN BYPASSRLS PASSWORD '${BACKUP_PASSWORD}'`)
          yield* sql.unsafe(`GRANT pg_read_all_data TO ${BACKUP_ROLE}`)
        }).pipe(
          Effect.provide(PgClient.layer({ url: Redacted.make(cluster.admin("postgres")), maxConnections: 1 })),
          Effect.orDie
        )
        const backupUrl = new URL(cluster.app("tradeport"))
        backupUrl.username = BACKUP_ROLE
        backupUrl.password = BACKUP_PASSWORD
        const refused = yield* Effect.promise(() =>
          run(join(cluster.bin, "pg_dump"), [
            "--format=custom",
            "--file",
            join(cluster.workDir, "as-app.dump"),
            cluster.app("tradeport")
          ]).then(
            () => "dumped",
            (e: { stderr?: string }) => String(e.stderr)
          )
        )
        assert.include(
          refused,
          "row-level security",
          "the application role cannot dump: it sees only what its policies allow"
        )
        const dump = join(cluster.workDir, "tradeport.dump")
        yield* Effect.promise(() =>
          run(join(cluster.bin, "pg_dump"), ["--format=custom", "--no-owner", "--file", dump, backupUrl.href])
        )
        const listing = (yield* Effect.promise(() => run(join(cluster.bin, "pg_restore"), ["--list", dump]))).stdout
        const before = yield* snapshot(cluster.admin("tradeport"))
        assert.isAbove(before.policies, 10)
        assert.strictEqual(
          listing.split("\n").filter((line) => / POLICY /.test(line)).length,
          before.policies,
          "every policy is in the dump"
        )

        // 3. Restore into an empty database owned by the app role, as the runbook says.
        yield* Effect.promise(() =>
          run(join(cluster.bin, "createdb"), [
            "--maintenance-db",
            cluster.admin("postgres"),
            "--owner",
            ROLE,
            "tradeport_restored"
          ])
        )
        yield* Effect.promise(() =>
          run(join(cluster.bin, "pg_restore"), [
            "--no-owner",
            "--role",
            ROLE,
            "--exit-on-error",
            "--dbname",
            cluster.admin("tradeport_restored"),
            dump
          ])
        )

        // 4. Verify: every table's rows, every sequence, row-level security still forced, the app role owns it.
        const after = yield* snapshot(cluster.admin("tradeport_restored"))
        assert.deepStrictEqual(after.rows, before.rows)
        assert.deepStrictEqual(after.sequences, before.sequences)
        assert.deepStrictEqual(after.unforced, [])
        assert.deepStrictEqual(after.forced, before.forced)
        assert.includeMembers(after.forced, ["orders", "connections", "webhook_events", "audit_log"])
        assert.strictEqual(after.policies, before.policies)
        assert.strictEqual(after.owner, ROLE)
        assert.deepStrictEqual(after.foreignOwned, [], "every table, sequence, index and function is the app role's")
        for (const table of [
          "organizations",
          "users",
          "connections",
          "orders",
          "reservations",
          "webhook_events",
          "idempotency_records",
          "refresh_tokens",
          "audit_log"
        ]) {
          assert.notMatch(after.rows[table] ?? "missing", /^(0:|missing)/, `${table} has rows in the backup`)
        }
        const pending = yield* Migrations.run().pipe(
          Effect.provide(PgClient.layer({ url: Redacted.make(cluster.app("tradeport_restored")), maxConnections: 1 })),
          Effect.orDie
        )
        assert.deepStrictEqual(pending, [], "the restored schema is up to date")

        // 5. A fresh app on the restored database with the same keyring: the owner logs in with the same password,
        //    sees the same orders and stock; the sealed webhook secret still verifies new deliveries; the first
        //    delivery is still known (not applied twice); the Idempotency-Key still replays.
        yield* Effect.gen(function* () {
          const owner = yield* login("backup@example.com")
          assert.deepStrictEqual(yield* ordersOf(owner.accessToken), written.orders)
          assert.deepStrictEqual(yield* levelOf(owner.accessToken), written.level)
          assert.strictEqual(yield* deliver(written.path, written.first), "200:duplicate")
          assert.strictEqual(
            yield* deliver(written.path, signedDelivery(written.secret, orderCreated("BK-EXT-2"))),
            "200:applied"
          )
          const replay = yield* HttpClient.execute(
            HttpClientRequest.post("/api/v1/orders").pipe(
              HttpClientRequest.bearerToken(owner.accessToken),
              HttpClientRequest.setHeader("idempotency-key", "backup-order-1"),
              HttpClientRequest.bodyJsonUnsafe({ lines: [{ sku: "BK-1", quantity: 2 }] })
            )
          )
          assert.strictEqual(replay.status, 201)
          assert.strictEqual(String((yield* json(replay))["id"]), written.apiOrderId)
          assert.strictEqual((yield* ordersOf(owner.accessToken)).length, 3)
          assert.deepInclude(yield* levelOf(owner.accessToken), { onHand: 10, reserved: 4 })
        }).pipe(
          Effect.provide(
            testApp(
              {},
              {
                database: { url: cluster.app("tradeport_restored"), adminUrl: cluster.admin("postgres") }
              }
            )
          )
        )
        yield* Effect.logInfo(
          `backup round trip on ${cluster.version}: ${Object.keys(after.rows).length} tables, ${after.policies} policies`
        )
      })
    )
  })
})
