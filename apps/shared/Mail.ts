/**
 * Email, wired. The Mailer is the SMTP adapter on the configured server (SMTP_URL or SMTP_HOST…, MAIL_FROM); with
 * none configured outside production, the app starts a loopback SMTP capture (adapters/mail/SmtpCapture.ts, on
 * MAIL_CAPTURE_PORT or a free port) and sends to it through the same SMTP adapter, so development and tests exercise
 * real SMTP; what arrived is readable at GET /dev/mailbox (the DevMailbox service). Production refuses to start
 * without an SMTP server and MAIL_FROM. PublicLinks: the console URLs emails point to, from PUBLIC_BASE_URL.
 */
import { Config, Effect, Layer, Option } from "effect"
import * as SmtpMailer from "../../adapters/mail/SmtpMailer.ts"
import { DevMailbox } from "./DevMailbox.ts"
import { PublicLinks } from "../../core/shared/ports/PublicLinks.ts"
import { AppEnv, PublicBaseUrl, StartupError } from "./Environment.ts"

const loopbackCapture = Layer.unwrap(
  Effect.gen(function* () {
    const port = yield* Config.Port("MAIL_CAPTURE_PORT").pipe(Config.withDefault(0))
    // Loaded here only: smtp-server and mailparser are dev dependencies, absent from the production image.
    const { startCapture } = yield* Effect.promise(() => import("../../adapters/mail/SmtpCapture.ts"))
    const capture = yield* Effect.acquireRelease(
      Effect.promise(() => startCapture({ port })),
      (c) => Effect.promise(c.close)
    )
    yield* Effect.logInfo("no SMTP server configured: capturing mail on loopback, read it at /dev/mailbox").pipe(
      Effect.annotateLogs({ smtp: capture.url })
    )
    const mailer = SmtpMailer.layer({
      host: "127.0.0.1",
      port: capture.port,
      secure: false,
      user: undefined,
      password: undefined,
      from: "Tradeport <no-reply@localhost>"
    })
    return Layer.merge(
      mailer,
      Layer.succeed(DevMailbox, DevMailbox.of({ messages: capture.messages, smtpUrl: capture.url }))
    )
  })
)

export const MailerLive = Layer.unwrap(
  Effect.gen(function* () {
    const env = yield* AppEnv
    const settings = yield* SmtpMailer.SettingsConfig.pipe(
      Effect.catchTag("SmtpConfigInvalid", (e) =>
        Effect.fail(new StartupError({ problems: [`${e.variable} ${e.problem}`] }))
      )
    )
    if (env === "production") {
      const problems = [
        ...(Option.isNone(settings)
          ? ["SMTP_URL (or SMTP_HOST) is required in production: account emails must be delivered"]
          : []),
        ...((yield* SmtpMailer.mailFromSet) ? [] : ["MAIL_FROM is required in production"])
      ]
      if (problems.length > 0) return yield* new StartupError({ problems })
    }
    return Option.isSome(settings) ? SmtpMailer.layer(settings.value) : loopbackCapture
  })
)

export const PublicLinksLive = Layer.effect(
  PublicLinks,
  Effect.gen(function* () {
    const base = `${yield* PublicBaseUrl}/console`
    return PublicLinks.of({
      verifyEmail: (token) => `${base}/verify#token=${encodeURIComponent(token)}`,
      resetPassword: (token) => `${base}/reset-password#token=${encodeURIComponent(token)}`,
      forgotPassword: `${base}/forgot-password`,
      login: base,
      connections: `${base}/connections`
    })
  })
)

export const MailLive = Layer.merge(MailerLive, PublicLinksLive)
