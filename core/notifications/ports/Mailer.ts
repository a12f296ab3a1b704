/**
 * Port: sending one email. Owns delivery to a mail server (the SMTP adapter, or the development capture behind the
 * same adapter); does not own what the emails say (the use cases write them) or who receives them.
 * A message is plain text: links are written out in full, so every mail client shows the same thing.
 */
import { Context, type Effect, Schema } from "effect"

export interface Mail {
  readonly to: string
  readonly subject: string
  readonly text: string
}

/**
 * Unavailable / Timeout: the server could not be reached or did not answer — try again later. Rejected: the server
 * refused the message (an address it will not take, credentials it does not accept).
 */
export class MailError extends Schema.TaggedError<MailError>()("MailError", {
  operation: Schema.String,
  reason: Schema.Literals(["Unavailable", "Timeout", "Rejected"])
}) {}

export interface MailerShape {
  /** Succeeds once the mail server has accepted the message for delivery. */
  readonly send: (mail: Mail) => Effect.Effect<void, MailError>
}

export class Mailer extends Context.Service<Mailer, MailerShape>()("tradeport/core/notifications/ports/Mailer") {}
