/**
 * A counter of the SQL the app really sends: Effect's statement hook (`Statement.CurrentTransformer`), provided
 * around the whole app, sees every statement its SqlClient executes, compiled as the driver gets it. Each one is
 * recorded with the request it ran for (core's CurrentRequestId, which the HTTP middleware gives every handler and
 * echoes as `x-request-id`), so a test can count one request's statements while the scheduler works beside it.
 * It only observes: statements pass through unchanged.
 */
import { Context, Effect, Layer } from "effect"
import { Statement } from "effect/sql"
import { CurrentRequestId } from "../../core/shared/RequestContext.ts"

export class StatementLog extends Context.Service<
  StatementLog,
  {
    /** The statements sent for the request so far, in order. */
    readonly ofRequest: (requestId: string) => ReadonlyArray<string>
  }
>()("test/support/StatementLog") {}

/** `app` with every statement recorded, and the StatementLog to read them. */
export const recording = <A, E, R>(app: Layer.Layer<A, E, R>) =>
  Layer.unwrap(
    Effect.sync(() => {
      const recorded: Array<{ readonly requestId: string | undefined; readonly sql: string }> = []
      const transformer: Statement.Transformer = (statement, _sql, fiber) =>
        Effect.sync(() => {
          recorded.push({ requestId: fiber.getRef(CurrentRequestId), sql: statement.compile()[0] })
          return statement
        })
      return app.pipe(
        Layer.provide(Layer.succeed(Statement.CurrentTransformer, transformer)),
        Layer.merge(
          Layer.succeed(StatementLog, {
            ofRequest: (requestId) => recorded.filter((s) => s.requestId === requestId).map((s) => s.sql)
          })
        )
      )
    })
  )
