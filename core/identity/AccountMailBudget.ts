/**
 * A per-address budget for the account emails anyone can trigger without logging in: confirmation links (sign-up and
 * resend share one budget) and reset links, at most ACCOUNT_MAIL_BUDGET.limit per window to one address, however many
 * clients ask (the per-IP request limits do not stop a botnet flooding one mailbox). Counted on the caller's path for
 * every address, known or not, so neither the answer nor its timing says anything; over budget the email is simply
 * not sent. The RateCounter key carries the address's SHA-256, never the address. If the counter's store fails the
 * email goes out (logged): the per-IP limits still hold, and a reset must not depend on the cache.
 */
import { Duration, Effect } from "effect"
import { createHash } from "node:crypto"
import { RateCounter } from "../shared/ports/RateCounter.ts"
import type { Email } from "./Identity.ts"

export const ACCOUNT_MAIL_BUDGET = { limit: 5, window: Duration.hours(1) }

export type AccountMailKind = "confirm" | "reset"

/** Counts one email of this kind to the address; true while the address is within its budget. */
export const withinMailBudget = Effect.fn("AccountMailBudget.within")(function* (kind: AccountMailKind, email: Email) {
  const counter = yield* RateCounter
  const key = `account-mail:${kind}:${createHash("sha256").update(email, "utf8").digest("hex")}`
  return yield* counter.hit(key, Duration.toMillis(ACCOUNT_MAIL_BUDGET.window)).pipe(
    Effect.map((window) => window.count <= ACCOUNT_MAIL_BUDGET.limit),
    Effect.catchTag("CacheError", (e) =>
      Effect.logWarning("account email budget unavailable: sending anyway").pipe(
        Effect.annotateLogs({ operation: e.operation, reason: e.reason }),
        Effect.as(true)
      )
    )
  )
})
