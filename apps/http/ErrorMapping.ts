/** The one place domain and infrastructure failures become HTTP problems. */
import { Effect } from "effect"
import { HttpApiError } from "effect/http-api"
import type { CacheError, PersistenceError } from "../../core/shared/errors.ts"
import { Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthorized } from "./Problems.ts"

/**
 * Unavailable or slow storage is "try again" (503); data the database refuses as such is the request's fault
 * (400, through the API-wide bad-request problem); storage refusing a well-formed write is a bug (500).
 */
export const persistenceProblem = (error: PersistenceError | CacheError) =>
  error.reason === "Rejected"
    ? Effect.die(error)
    : error.reason === "Invalid"
    ? Effect.fail(new HttpApiError.BadRequestProblem({ detail: "The request contains a value the store cannot hold (for example a NUL character)." }))
    : Effect.fail(new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1, detail: "Storage is unavailable, retry shortly." }))

export const problems = {
  EmailTaken: () => Effect.fail(new Conflict({ code: "email_taken", detail: "An account with this email already exists." })),
  InvalidCredentials: () => Effect.fail(new Unauthorized({ code: "invalid_credentials", detail: "Email or password is incorrect." })),
  InvalidRefreshToken: () => Effect.fail(new Unauthorized({ code: "invalid_refresh_token", detail: "The refresh token is not valid; log in again." })),
  InsufficientRole: () => Effect.fail(new Forbidden({ code: "insufficient_role", detail: "Your role does not allow this." })),
  MemberNotFound: () => Effect.fail(new NotFound({ code: "member_not_found" })),
  MemberChanged: () => Effect.fail(new Conflict({ code: "member_changed", detail: "The member changed meanwhile; reload and retry." })),
  LastOwner: () => Effect.fail(new Conflict({ code: "last_owner", detail: "An organisation must keep at least one owner." })),
  PersistenceError: persistenceProblem,
  CacheError: persistenceProblem
} as const
