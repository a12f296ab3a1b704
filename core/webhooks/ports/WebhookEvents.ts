/**
 * Port: the durable event store. `recordApplied` inserts the event inside the caller's transaction and reports
 * whether it is new — the unique (connection, event id) makes a delivery apply at most once even under concurrent
 * duplicates. Failures and ignored topics are recorded for operators.
 */
import { Context, type Effect } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"

export interface EventRecord {
  readonly provider: string
  readonly eventId: string
  readonly organizationId: OrgId
  readonly connectionId: string
  readonly topic: string
  readonly payload: string
}

export class WebhookEvents extends Context.Service<
  WebhookEvents,
  {
    /** True when this delivery is new (and now recorded as applied, pending the caller's commit). */
    readonly exists: (event: EventRecord) => Effect.Effect<boolean, PersistenceError>
    readonly recordApplied: (event: EventRecord) => Effect.Effect<boolean, PersistenceError>
    readonly recordOutcome: (
      event: EventRecord,
      outcome: "ignored" | "failed",
      detail: string
    ) => Effect.Effect<void, PersistenceError>
  }
>()("tradeport/core/webhooks/ports/WebhookEvents") {}
