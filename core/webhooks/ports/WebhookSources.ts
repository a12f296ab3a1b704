/**
 * Port: who a webhook is for. Resolves the (provider, connection) in the URL to its organisation and the secrets
 * its signatures are checked against — a platform lookup, since the sender is not a logged-in user.
 */
import { Context, type DateTime, type Effect, type Option, type Redacted } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"

export interface WebhookSource {
  readonly organizationId: OrgId
  readonly connectionId: string
  /** The connection's account at the provider (a Shopify shop domain, a WooCommerce store URL…). */
  readonly externalAccount: string
  /** When the connection was last (re)connected (none for account-level sources). */
  readonly connectedAt?: DateTime.Utc | undefined
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
}

export class WebhookSources extends Context.Service<
  WebhookSources,
  {
    readonly resolve: (
      provider: string,
      connectionId: string
    ) => Effect.Effect<Option.Option<WebhookSource>, PersistenceError>
  }
>()("tradeport/core/webhooks/ports/WebhookSources") {}
