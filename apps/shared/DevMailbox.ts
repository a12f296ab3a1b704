/**
 * The development mailbox: messages the loopback SMTP capture received, readable by the developer at GET /dev/mailbox.
 * Provided only when the capture runs (apps/shared/Mail.ts: no SMTP server configured, never in production); the
 * HTTP app registers the route only when it is there.
 */
import { Context } from "effect"
import type { CapturedMail } from "../../adapters/mail/Mailbox.ts"

export interface DevMailboxShape {
  /** Newest first; only messages to `to` when given. */
  readonly messages: (to?: string) => ReadonlyArray<CapturedMail>
  /** Where the capture listens, e.g. smtp://127.0.0.1:2525 (no credentials). */
  readonly smtpUrl: string
}

export class DevMailbox extends Context.Service<DevMailbox, DevMailboxShape>()("tradeport/apps/shared/DevMailbox") {}
