/**
 * WebhookSources on Postgres: the connection named in the webhook URL, read on the explicit platform path (the
 * sender is not a user; the `webhook_source` function scopes it to one statement), must exist for that provider
 * and not be disconnected; its signing secrets are the `webhookSecret` field of its sealed credentials
 * (comma-separated while a secret rotates).
 */
import { DateTime, Effect, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Credentials } from "../../core/connections/Connection.ts"
import { CredentialVault } from "../../core/connections/ports/CredentialVault.ts"
import { OrgId } from "../../core/shared/Ids.ts"
import { WebhookSources } from "../../core/webhooks/ports/WebhookSources.ts"
import { toPersistenceError } from "./Database.ts"

const decodeCredentials = Schema.decodeUnknownEffect(Schema.fromJsonString(Credentials))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const layer = Layer.effect(
  WebhookSources,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const vault = yield* CredentialVault
    return WebhookSources.of({
      resolve: (provider, connectionId) =>
        Effect.gen(function* () {
          if (!UUID.test(connectionId)) return Option.none()
          // One statement on the platform path (migration 0015), no transaction: this runs for every delivery.
          const [row] = yield* sql<{
            organization_id: string
            external_account: string
            connected_at: Date
            credentials: string | null
          }>`
            SELECT organization_id::text, external_account, connected_at, credentials FROM webhook_source(${provider}, ${connectionId}::uuid)`.pipe(
            Effect.mapError(toPersistenceError("WebhookSources.resolve"))
          )
          if (row === undefined || row.credentials === null) return Option.none()
          const credentials = yield* vault
            .decrypt(row.credentials, { organizationId: row.organization_id, connectionId, field: "credentials" })
            .pipe(
              Effect.flatMap((plain) => decodeCredentials(Redacted.value(plain))),
              Effect.option
            )
          const secrets = Option.match(credentials, {
            onNone: () => [],
            onSome: (c) =>
              (c["webhookSecret"] ?? "")
                .split(",")
                .map((s) => s.trim())
                .filter((s) => s.length > 0)
                .map((s) => Redacted.make(s))
          })
          return Option.some({
            organizationId: OrgId.make(row.organization_id),
            connectionId,
            externalAccount: row.external_account,
            connectedAt: DateTime.fromDateUnsafe(row.connected_at),
            secrets
          })
        }).pipe(Effect.withSpan("WebhookSources.resolve"))
    })
  })
)
