/**
 * Mail for tests: a real SMTP server on loopback (adapters/mail/SmtpCapture.ts: smtp-server + mailparser) and the
 * app's SMTP adapter sending to it, so a test reads what actually arrived. `TestMailbox.next` waits for a message
 * as an event (no polling, no sleeps).
 */
import { Context, Effect, Layer } from "effect"
import * as SmtpMailer from "../../adapters/mail/SmtpMailer.ts"
import { type Capture, type CaptureOptions, startCapture } from "../../adapters/mail/SmtpCapture.ts"
import type { CapturedMail } from "../../adapters/mail/Mailbox.ts"
import { PublicLinks } from "../../core/shared/ports/PublicLinks.ts"

export class TestMailbox extends Context.Service<TestMailbox, Capture>()("test/support/TestMailbox") {}

/** A loopback SMTP server for the test's scope. */
export const smtpServer = (options: CaptureOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startCapture(options)),
    (capture) => Effect.promise(capture.close)
  )

export const TestMailboxLayer = (options: CaptureOptions = {}) => Layer.effect(TestMailbox, smtpServer(options))

export const TEST_BASE = "http://console.test"

export const TestLinks = Layer.succeed(
  PublicLinks,
  PublicLinks.of({
    verifyEmail: (token) => `${TEST_BASE}/console/verify#token=${encodeURIComponent(token)}`,
    resetPassword: (token) => `${TEST_BASE}/console/reset-password#token=${encodeURIComponent(token)}`,
    forgotPassword: `${TEST_BASE}/console/forgot-password`,
    login: `${TEST_BASE}/console`,
    connections: `${TEST_BASE}/console/connections`
  })
)

/** Mailer (SMTP adapter → the loopback server), TestMailbox and PublicLinks. */
export const TestMail = Layer.unwrap(
  Effect.gen(function* () {
    const mailbox = yield* TestMailbox
    return SmtpMailer.layer({
      host: "127.0.0.1",
      port: mailbox.port,
      secure: false,
      user: undefined,
      password: undefined,
      from: "Tradeport Test <no-reply@tradeport.test>"
    })
  })
).pipe(Layer.provideMerge(TestMailboxLayer()), Layer.merge(TestLinks))

/** The next message to `to` whose subject matches (already arrived or still to come). */
export const nextMail = (to: string, subject: RegExp) =>
  Effect.gen(function* () {
    const mailbox = yield* TestMailbox
    const seen = taken.get(mailbox) ?? new Set<number>()
    taken.set(mailbox, seen)
    const mail = yield* Effect.promise(() =>
      mailbox.next((m) => m.to.includes(to.toLowerCase()) && subject.test(m.subject) && !seen.has(m.id))
    )
    seen.add(mail.id)
    return mail
  })
/** Messages a test already took with nextMail, per server: the next call waits for a newer one. */
const taken = new WeakMap<Capture, Set<number>>()

/** The one-time token in a message's link (`…#token=…`). */
export const tokenIn = (mail: CapturedMail) => {
  const match = /#token=([A-Za-z0-9_.%-]+)/.exec(mail.text)
  if (match?.[1] === undefined) throw new Error(`no token link in "${mail.subject}"`)
  return decodeURIComponent(match[1])
}
