/**
 * Transactions for memory adapters: a unit of work records how to undo each memory write made inside it (see
 * UnitOfWork.ts) and undoes them all, newest first, unless it succeeds. Like PgTransactions, a nested unit of the
 * same organisation joins the outer one, and one of another organisation is a savepoint inside it.
 */
import { Effect, Exit, Layer } from "effect"
import { Transactions } from "../../core/shared/ports/Transactions.ts"
import { CurrentUnitOfWork, type UnitOfWork } from "./UnitOfWork.ts"

/** A unit of work named `scope` (an organisation, or `account:<id>`): joins an outer one of the same scope. */
const unitOfWork =
  (scope: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.gen(function* () {
      const outer = yield* CurrentUnitOfWork
      if (outer?.organizationId === scope) return yield* effect
      const unit: UnitOfWork = { organizationId: scope, undo: [] }
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

/**
 * `forAccount` gives atomicity only, like every memory unit of work; the memory SessionRepository stays correct
 * against a password change without a lock (see its module comment).
 */
export const layer = Layer.succeed(
  Transactions,
  Transactions.of({
    inOrganization: (organizationId) => unitOfWork(organizationId),
    forAccount: (userId) => unitOfWork(`account:${userId}`)
  })
)
