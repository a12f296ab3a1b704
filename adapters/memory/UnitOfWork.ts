/**
 * The memory adapters' stand-in for a database transaction. While a MemoryTransactions unit of work runs, each
 * memory write logs here how to take itself back; a unit that fails, dies or is interrupted runs its log backwards.
 * It gives atomicity only: there is no isolation, so other fibers see a unit's writes before it ends.
 */
import { Context, Effect } from "effect"

export interface UnitOfWork {
  readonly organizationId: string
  /** Undo steps, in the order their writes were made. */
  readonly undo: Array<Effect.Effect<void>>
}

export class CurrentUnitOfWork extends Context.Reference<UnitOfWork | undefined>(
  "tradeport/adapters/memory/CurrentUnitOfWork",
  { defaultValue: () => undefined }
) {}

/** Logs how to take back a write just made; outside a unit of work the write simply stands. */
export const onRollback = (undo: Effect.Effect<void>) =>
  Effect.gen(function* () {
    const unit = yield* CurrentUnitOfWork
    unit?.undo.push(undo)
  })
