/** The one place infrastructure failures become HTTP problems. */
import { Effect } from "effect"
import type { PersistenceError } from "../../core/shared/errors.ts"
import { ServiceUnavailable } from "./Problems.ts"

/** Unavailable or slow storage is "try again" (503); storage refusing a well-formed write is a bug (500). */
export const persistenceProblem = (error: PersistenceError) =>
  error.reason === "Rejected"
    ? Effect.die(error)
    : Effect.fail(new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1, detail: "Storage is unavailable, retry shortly." }))
