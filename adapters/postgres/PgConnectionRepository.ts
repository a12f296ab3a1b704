/**
 * ConnectionRepository on Postgres. Organisation-scoped methods run under `inOrganization`; key rotation is the
 * explicit platform path (`asPlatform`). Credentials are ciphertext from the vault; this adapter never decrypts.
 */
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import {
  Connection,
  ConnectionId,
  ConnectionNotFound,
  ConnectionStatus,
  CredentialsChanged,
  ProviderId
} from "../../core/connections/Connection.ts"
import {
  ConnectionRepository,
  type ConnectionRepositoryShape,
  type SealedCredentials
} from "../../core/connections/ports/ConnectionRepository.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { toPersistenceError } from "./Database.ts"
import { asPlatform, inOrganization } from "./Tenancy.ts"

const Row = Schema.Struct({
  id: ConnectionId,
  organization_id: OrgId,
  provider: ProviderId,
  external_account: Schema.String,
  display_name: Schema.String,
  status: ConnectionStatus,
  token_expires_at: Schema.NullOr(Schema.Date),
  last_refreshed_at: Schema.NullOr(Schema.Date),
  last_error: Schema.NullOr(Schema.String),
  credentials_version: Schema.Int,
  metadata: Schema.Record(Schema.String, Schema.Unknown)
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
const utc = (d: Date | null) => (d === null ? null : DateTime.fromDateUnsafe(d))
const toConnection = (r: typeof Row.Type) =>
  new Connection({
    id: r.id,
    organizationId: r.organization_id,
    provider: r.provider,
    externalAccount: r.external_account,
    displayName: r.display_name,
    status: r.status,
    tokenExpiresAt: utc(r.token_expires_at),
    lastRefreshedAt: utc(r.last_refreshed_at),
    lastError: r.last_error,
    credentialsVersion: r.credentials_version,
    settings: Object.fromEntries(
      Object.entries(r.metadata).filter((e): e is [string, string] => typeof e[1] === "string")
    )
  })
const date = (t: DateTime.Utc | undefined) => (t === undefined ? null : new Date(DateTime.toEpochMillis(t)))
const COLUMNS =
  "id, organization_id, provider, external_account, display_name, status, token_expires_at, last_refreshed_at, last_error, credentials_version, metadata"

export const layer = Layer.effect(
  ConnectionRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const columns = sql.literal(COLUMNS)
    const rows =
      (operation: string) =>
      <E, R>(effect: Effect.Effect<ReadonlyArray<unknown>, E, R>) =>
        effect.pipe(
          Effect.mapError((e) =>
            SqlError.isSqlError(e)
              ? toPersistenceError(`ConnectionRepository.${operation}`)(e)
              : (e as Exclude<E, SqlError.SqlError>)
          ),
          Effect.flatMap((r) => Effect.orDie(decodeRows(r))),
          Effect.map((r) => r.map(toConnection)),
          Effect.withSpan(`ConnectionRepository.${operation}`)
        )
    const one =
      <E>(notFound: () => E) =>
      (found: ReadonlyArray<Connection>) =>
        found[0] === undefined ? Effect.fail(notFound()) : Effect.succeed(found[0])

    const findByAccount: ConnectionRepositoryShape["findByAccount"] = (organizationId, provider, externalAccount) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        SELECT ${columns} FROM connections
        WHERE organization_id = ${organizationId} AND provider = ${provider} AND external_account = ${externalAccount}`).pipe(
        rows("findByAccount"),
        Effect.map((r) => Option.fromNullishOr(r[0]))
      )

    const upsertConnected: ConnectionRepositoryShape["upsertConnected"] = (organizationId, write) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        INSERT INTO connections (id, organization_id, provider, external_account, display_name, status, credentials,
                                 credentials_version, token_expires_at, last_refreshed_at)
        VALUES (${write.id}, ${organizationId}, ${write.provider}, ${write.externalAccount}, ${write.displayName}, 'connected',
                ${write.sealedCredentials}, 1, ${date(write.tokenExpiresAt)}, now())
        ON CONFLICT (organization_id, provider, external_account) DO UPDATE SET
          display_name = EXCLUDED.display_name, status = 'connected', credentials = EXCLUDED.credentials,
          credentials_version = connections.credentials_version + 1, token_expires_at = EXCLUDED.token_expires_at,
          last_refreshed_at = now(), last_error = NULL, updated_at = now(), connected_at = now()
        WHERE connections.id = EXCLUDED.id
        RETURNING ${columns}`).pipe(
        rows("upsertConnected"),
        Effect.map((r) => Option.fromNullishOr(r[0]))
      )

    const get: ConnectionRepositoryShape["get"] = (organizationId, id) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        SELECT ${columns} FROM connections WHERE organization_id = ${organizationId} AND id = ${id}`).pipe(
        rows("get"),
        Effect.map((r) => Option.fromNullishOr(r[0]))
      )

    const list: ConnectionRepositoryShape["list"] = (organizationId) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        SELECT ${columns} FROM connections WHERE organization_id = ${organizationId} ORDER BY created_at, id`).pipe(
        rows("list")
      )

    const credentials: ConnectionRepositoryShape["credentials"] = (organizationId, id) =>
      inOrganization(
        sql,
        organizationId
      )(sql<{ credentials: string | null; credentials_version: number }>`
        SELECT credentials, credentials_version FROM connections WHERE organization_id = ${organizationId} AND id = ${id}`).pipe(
        Effect.mapError(toPersistenceError("ConnectionRepository.credentials")),
        Effect.map((r) => {
          const row = r[0]
          return row === undefined || row.credentials === null
            ? Option.none()
            : Option.some({ sealed: row.credentials, version: row.credentials_version })
        }),
        Effect.withSpan("ConnectionRepository.credentials")
      )

    const open: ConnectionRepositoryShape["open"] = (organizationId, id) =>
      inOrganization(
        sql,
        organizationId
      )(sql<{ credentials: string | null }>`
        SELECT ${columns}, credentials FROM connections WHERE organization_id = ${organizationId} AND id = ${id}`).pipe(
        Effect.mapError(toPersistenceError("ConnectionRepository.open")),
        Effect.flatMap((found) =>
          Effect.gen(function* () {
            const [connection] = (yield* Effect.orDie(decodeRows(found))).map(toConnection)
            const sealed = found[0]?.credentials ?? null
            if (connection === undefined) return Option.none()
            return Option.some({
              connection,
              sealed:
                sealed === null
                  ? Option.none<SealedCredentials>()
                  : Option.some({ sealed, version: connection.credentialsVersion })
            })
          })
        ),
        Effect.withSpan("ConnectionRepository.open")
      )

    const saveCredentials: ConnectionRepositoryShape["saveCredentials"] = (organizationId, id, write) =>
      inOrganization(
        sql,
        organizationId
      )(
        Effect.gen(function* () {
          const updated = yield* sql`
          UPDATE connections SET credentials = ${write.sealed}, credentials_version = credentials_version + 1,
            token_expires_at = ${date(write.tokenExpiresAt)}, last_refreshed_at = now(), status = 'connected',
            last_error = NULL, updated_at = now()
          WHERE organization_id = ${organizationId} AND id = ${id} AND credentials_version = ${write.expectedVersion}
            AND status <> 'disconnected'
          RETURNING ${columns}`
          if (updated.length > 0) return updated
          const exists =
            yield* sql`SELECT 1 FROM connections WHERE organization_id = ${organizationId} AND id = ${id} AND status <> 'disconnected'`
          return yield* exists.length > 0 ? new CredentialsChanged() : new ConnectionNotFound()
        })
      ).pipe(rows("saveCredentials"), Effect.flatMap(one(() => new ConnectionNotFound())))

    const setStatus: ConnectionRepositoryShape["setStatus"] = (organizationId, id, status, lastError) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        UPDATE connections SET status = ${status}, last_error = ${lastError ?? null}, updated_at = now()
        WHERE organization_id = ${organizationId} AND id = ${id}
        RETURNING ${columns}`).pipe(rows("setStatus"), Effect.flatMap(one(() => new ConnectionNotFound())))

    const setSettings: ConnectionRepositoryShape["setSettings"] = (organizationId, id, settings) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        UPDATE connections SET metadata = metadata || ${JSON.stringify(settings)}::jsonb, updated_at = now()
        WHERE organization_id = ${organizationId} AND id = ${id}
        RETURNING ${columns}`).pipe(rows("setSettings"), Effect.flatMap(one(() => new ConnectionNotFound())))

    const disconnect: ConnectionRepositoryShape["disconnect"] = (organizationId, id) =>
      inOrganization(
        sql,
        organizationId
      )(sql`
        UPDATE connections SET status = 'disconnected', credentials = NULL, credentials_version = credentials_version + 1,
          token_expires_at = NULL, updated_at = now()
        WHERE organization_id = ${organizationId} AND id = ${id}
        RETURNING ${columns}`).pipe(rows("disconnect"), Effect.flatMap(one(() => new ConnectionNotFound())))

    const resealBatch: ConnectionRepositoryShape["resealBatch"] = (activeKeyId, afterId, limit, reseal) =>
      asPlatform(sql)(
        Effect.gen(function* () {
          const candidates = yield* sql<{ id: ConnectionId; organization_id: string; credentials: string }>`
          SELECT id, organization_id::text, credentials FROM connections
          WHERE credentials IS NOT NULL AND credentials NOT LIKE ${`v1.${activeKeyId}.%`}
            ${afterId === undefined ? sql`` : sql`AND id > ${afterId}`}
          ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`
          const failed: Array<ConnectionId> = []
          let resealed = 0
          for (const row of candidates) {
            const location = { organizationId: row.organization_id, connectionId: row.id, field: "credentials" }
            const next = yield* reseal(row.credentials, location).pipe(Effect.option)
            if (Option.isNone(next)) {
              failed.push(row.id)
              continue
            }
            yield* sql`UPDATE connections SET credentials = ${next.value} WHERE id = ${row.id}`
            resealed++
          }
          return { resealed, failed, lastId: candidates[candidates.length - 1]?.id }
        })
      ).pipe(
        Effect.mapError(toPersistenceError("ConnectionRepository.resealBatch")),
        Effect.withSpan("ConnectionRepository.resealBatch")
      )

    return ConnectionRepository.of({
      findByAccount,
      upsertConnected,
      get,
      list,
      credentials,
      open,
      saveCredentials,
      setStatus,
      setSettings,
      disconnect,
      resealBatch
    })
  })
)
