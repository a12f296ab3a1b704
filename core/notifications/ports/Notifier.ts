/**
 * Port: telling the merchant platform that something needs attention (a connection needs re-authorisation, its
 * token could not be refreshed). Called once per state change, never per retry.
 */
import { Context, type Effect } from "effect"

export interface Notification {
  readonly type: "connection.needs_reauth" | "connection.refresh_failed"
  readonly organizationId: string
  readonly connectionId: string
  readonly provider: string
  readonly detail: string
}

export class Notifier extends Context.Service<
  Notifier,
  {
    /** Never fails: delivery problems are the adapter's to retry and log. */
    readonly notify: (notification: Notification) => Effect.Effect<void>
  }
>()("tradeport/core/notifications/ports/Notifier") {}
