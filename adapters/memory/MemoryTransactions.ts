/**
 * Transactions for memory adapters: a unit of work records how to undo each memory write made inside it (see
 * UnitOfWork.ts) and undoes them all, newest first, unless it succeeds. Like PgTransactions, a nested unit of the
 * same organisation joins the outer one, and one of another organisation is a savepoint inside it.
 */
import { Effect, Exit, Layer } from "effect"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { CurrentUnitOfWork, type UnitOfWork } from "./UnitOfWork.ts"

export const layer = Layer.succeed(
  Transactions,
  Transactions.of({
    inOrganization: (organizationId) => (effect) =>
      Effect.gen(function* () {
        const outer = yield* CurrentUnitOfWork
        if (outer?.organizationId === organizationId) return yield* effect
        const unit: UnitOfWork = { organizationId, undo: [] }
        return yield* effect.pipe(
          Effect.provideService(CurrentUnitOfWork, unit),
          Effect.onExit((exit) =>
            Exit.isSuccess(exit)
              ? // Committed into the outer unit, if any: its failure must still undo these writes.
                Effect.sync(() => void outer?.undo.push(...unit.undo))
              : Effect.forEach(unit.undo.toReversed(), (undo) => undo, { discard: true })
          )
        )
      })
  })
)
