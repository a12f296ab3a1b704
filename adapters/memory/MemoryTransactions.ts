/** Transactions for memory adapters: each memory operation is already atomic, so a unit of work just runs. */
import { Layer } from "effect"
import { Transactions } from "../../core/shared/ports/Transactions.ts"

export const layer = Layer.succeed(Transactions, Transactions.of({ inOrganization: () => (effect) => effect }))
