/**
 * Port: the durable event store. `recordApplied` inserts the event inside the caller's transaction and reports
 * whether it is new — the unique (connection, event id) makes a delivery apply at most once even under concurrent
 * duplicates. `applyOnce` records the event and makes its order change in one step, in its own transaction. Failures and ignored topics are recorded for operators.
 */
import { Context, type Effect } from "effect"
import type { ChangeResult, OrderChange } from "../../channels/OrderChange.ts"
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

export interface WebhookEventsShape {
  /** True when this delivery is new (and now recorded as applied, pending the caller's commit). */
  readonly exists: (event: EventRecord) => Effect.Effect<boolean, PersistenceError>
  readonly recordApplied: (event: EventRecord) => Effect.Effect<boolean, PersistenceError>
  /**
   * The event recorded and its order change made, at once and exactly once: `duplicate` (and nothing changed) when
   * this source's event id is already recorded. A refusal (OrderChange.isRefusal) changes nothing and leaves no
   * record of the event; any other result leaves it recorded as applied. (Postgres: one statement.)
   */
  readonly applyOnce: (
    event: EventRecord,
    change: OrderChange
  ) => Effect.Effect<ChangeResult | { readonly result: "duplicate" }, PersistenceError>
  readonly recordOutcome: (
    event: EventRecord,
    outcome: "ignored" | "failed",
    detail: string
  ) => Effect.Effect<void, PersistenceError>
}

export class WebhookEvents extends Context.Service<WebhookEvents, WebhookEventsShape>()(
  "tradeport/core/webhooks/ports/WebhookEvents"
) {}
