/**
 * Port: one unit of work inside one organisation, or on one account. Everything run inside commits or rolls back
 * together — a state change and its audit entry are never separated. Repositories called inside join the same
 * transaction.
 */
import { Context, type Effect } from "effect"
import type { PersistenceError } from "../errors.ts"
import type { UserId } from "../Ids.ts"

export interface TransactionsShape {
  readonly inOrganization: (
    organizationId: string
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | PersistenceError, R>
  /**
   * A platform unit of work on one account (password change, reset): the account is held exclusively until it ends,
   * so no session of the account opens or rotates in between (SessionRepository waits for it).
   */
  readonly forAccount: (
    userId: UserId
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | PersistenceError, R>
}

export class Transactions extends Context.Service<Transactions, TransactionsShape>()(
  "tradeport/core/shared/ports/Transactions"
) {}
