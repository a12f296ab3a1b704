/**
 * Port: one unit of work inside one organisation. Everything run inside commits or rolls back together — a state
 * change and its audit entry are never separated. Repositories called inside join the same transaction.
 */
import { Context, type Effect } from "effect"
import type { PersistenceError } from "../errors.ts"

export interface TransactionsShape {
  readonly inOrganization: (
    organizationId: string
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | PersistenceError, R>
}

export class Transactions extends Context.Service<Transactions, TransactionsShape>()(
  "tradeport/core/shared/ports/Transactions"
) {}
