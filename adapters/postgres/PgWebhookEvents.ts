/**
 * WebhookEvents on Postgres: `INSERT … ON CONFLICT (connection_id, event_id) DO NOTHING` inside the pipeline's
 * transaction. Of 100 concurrent deliveries of one event, one inserts (and applies, then commits); the others
 * wait on the unique index and find the row: duplicates.
 */
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import { WebhookEvents } from "../../core/webhooks/ports/WebhookEvents.ts"
import { toPersistenceError } from "./Database.ts"
import { inOrganization } from "./Tenancy.ts"

export const layer = Layer.effect(
  WebhookEvents,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return WebhookEvents.of({
      exists: (event) =>
        inOrganization(
          sql,
          event.organizationId
        )(sql`
          SELECT 1 FROM webhook_events WHERE connection_id = ${event.connectionId} AND event_id = ${event.eventId}`).pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.mapError(toPersistenceError("WebhookEvents.exists"))
        ),
      recordApplied: (event) =>
        inOrganization(
          sql,
          event.organizationId
        )(sql`
          INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome)
          VALUES (${randomUUID()}, ${event.provider}, ${event.eventId}, ${event.organizationId}, ${event.connectionId},
                  ${event.topic}, ${event.payload}, 'applied')
          ON CONFLICT (connection_id, event_id) DO NOTHING
          RETURNING 1`).pipe(
          Effect.map((rows) => rows.length === 1),
          Effect.mapError(toPersistenceError("WebhookEvents.recordApplied")),
          Effect.withSpan("WebhookEvents.recordApplied")
        ),
      recordOutcome: (event, outcome, detail) =>
        inOrganization(
          sql,
          event.organizationId
        )(sql`
          INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome, detail)
          VALUES (${randomUUID()}, ${event.provider}, ${event.eventId}, ${event.organizationId}, ${event.connectionId},
                  ${event.topic}, ${event.payload}, ${outcome}, ${detail.slice(0, 500)})
          ON CONFLICT (connection_id, event_id) DO UPDATE SET outcome = EXCLUDED.outcome, detail = EXCLUDED.detail,
            attempts = webhook_events.attempts + 1
            WHERE webhook_events.outcome <> 'applied' OR EXCLUDED.outcome = 'ignored'`).pipe(
          Effect.asVoid,
          Effect.mapError(toPersistenceError("WebhookEvents.recordOutcome"))
        )
    })
  })
)
