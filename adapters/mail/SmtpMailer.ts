/**
 * Mailer over SMTP with nodemailer. Configuration (read in `layerConfig`, refused at startup when invalid):
 * SMTP_URL (`smtp://user:password@host:port` or `smtps://…`, Redacted: it may carry the password), or SMTP_HOST,
 * SMTP_PORT (587), SMTP_USER, SMTP_PASSWORD (Redacted), SMTP_SECURE (implicit TLS; default true on port 465); and
 * MAIL_FROM, the sender. Off loopback, credentials are only ever sent over TLS (STARTTLS required). Logs and errors
 * carry nodemailer's error code, never the credentials or the message.
 * Does not own: choosing between this and the development capture (apps/shared/Mail.ts).
 */
import { Config, Effect, Layer, Option, Redacted, Schema, SchemaTransformation } from "effect"
import { createTransport } from "nodemailer"
import { MailError, Mailer } from "../../core/notifications/ports/Mailer.ts"

export interface SmtpSettings {
  readonly host: string
  readonly port: number
  readonly secure: boolean
  readonly user: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  readonly from: string
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "[::1]", "localhost"])
const TIMEOUT_MS = 10_000

/** nodemailer's error codes: connection trouble is "try later", a refusal by the server is not. */
const reasonOf = (error: unknown): MailError["reason"] => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : ""
  const status =
    typeof error === "object" && error !== null && "responseCode" in error && typeof error.responseCode === "number"
      ? error.responseCode
      : undefined
  if (code === "ETIMEDOUT") return "Timeout"
  if (code === "EAUTH" || code === "EENVELOPE" || code === "EMESSAGE" || (status !== undefined && status >= 500))
    return "Rejected"
  return "Unavailable"
}
const codeOf = (error: unknown) =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown"

export const layer = (settings: SmtpSettings) =>
  Layer.effect(
    Mailer,
    Effect.gen(function* () {
      const transport = yield* Effect.acquireRelease(
        Effect.sync(() =>
          createTransport({
            host: settings.host,
            port: settings.port,
            secure: settings.secure,
            requireTLS: !settings.secure && !LOOPBACK.has(settings.host),
            ignoreTLS: LOOPBACK.has(settings.host) && !settings.secure,
            connectionTimeout: TIMEOUT_MS,
            greetingTimeout: TIMEOUT_MS,
            socketTimeout: TIMEOUT_MS,
            ...(settings.user === undefined
              ? {}
              : {
                  auth: {
                    user: settings.user,
                    pass: settings.password === undefined ? "" : Redacted.value(settings.password)
                  }
                })
          })
        ),
        (t) => Effect.sync(() => t.close())
      )
      return Mailer.of({
        send: (mail) =>
          Effect.tryPromise({
            try: () => transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text }),
            catch: (error) => ({ reason: reasonOf(error), code: codeOf(error) })
          }).pipe(
            Effect.asVoid,
            Effect.catch((e) =>
              Effect.logWarning("mail not accepted by the SMTP server").pipe(
                Effect.annotateLogs({ code: e.code, reason: e.reason, host: settings.host }),
                Effect.andThen(Effect.fail(new MailError({ operation: "Mailer.send", reason: e.reason })))
              )
            ),
            Effect.withSpan("Mailer.send", { attributes: { "mail.subject": mail.subject } })
          )
      })
    })
  )

/** A setting that is present but unusable, naming the variable (never its value: it may hold a password). */
export class SmtpConfigInvalid extends Schema.TaggedError<SmtpConfigInvalid>()("SmtpConfigInvalid", {
  variable: Schema.String,
  problem: Schema.String
}) {}

/** A sender address as nodemailer takes it: `addr@host` or `Name <addr@host>`, one line. */
const SENDER = /^[^\r\n<>]*<[^\s@<>]+@[^\s@<>]+>$|^[^\s@<>]+@[^\s@<>]+$/
const MailFrom = Config.schema(
  Schema.String.pipe(
    Schema.decode(SchemaTransformation.trim()),
    Schema.check(Schema.isPattern(SENDER, { message: "must be an email address, optionally as Name <address>" }))
  ),
  "MAIL_FROM"
)

/** The configured SMTP server, or none (SMTP_URL and SMTP_HOST both unset). */
export const SettingsConfig = Effect.gen(function* () {
  const url = yield* Config.option(Config.Redacted("SMTP_URL"))
  const host = yield* Config.option(Config.String("SMTP_HOST"))
  const from = yield* MailFrom.pipe(Config.withDefault("Tradeport <no-reply@localhost>"))
  if (Option.isSome(url)) {
    const parsed = globalThis.URL.parse(Redacted.value(url.value))
    if (parsed === null || (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") || parsed.hostname === "")
      return yield* new SmtpConfigInvalid({
        variable: "SMTP_URL",
        problem: "must be smtp://[user:password@]host[:port] or smtps://…"
      })
    const secure = parsed.protocol === "smtps:"
    return Option.some<SmtpSettings>({
      host: parsed.hostname,
      port: parsed.port === "" ? (secure ? 465 : 587) : Number(parsed.port),
      secure,
      user: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
      password: parsed.password === "" ? undefined : Redacted.make(decodeURIComponent(parsed.password)),
      from
    })
  }
  if (Option.isNone(host)) return Option.none<SmtpSettings>()
  const port = yield* Config.Port("SMTP_PORT").pipe(Config.withDefault(587))
  return Option.some<SmtpSettings>({
    host: host.value,
    port,
    secure: yield* Config.Boolean("SMTP_SECURE").pipe(Config.withDefault(port === 465)),
    user: Option.getOrUndefined(yield* Config.option(Config.String("SMTP_USER"))),
    password: Option.getOrUndefined(yield* Config.option(Config.Redacted("SMTP_PASSWORD"))),
    from
  })
})

/** Whether MAIL_FROM is set (production requires it: mail from no-reply@localhost is refused by receivers). */
export const mailFromSet = Config.option(Config.String("MAIL_FROM")).pipe(Effect.map(Option.isSome))
