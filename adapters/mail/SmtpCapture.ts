/**
 * A real SMTP server on loopback that keeps what it receives: the development capture started by the app when no
 * SMTP server is configured, and the server the mail tests send to. Messages are parsed with mailparser and kept in
 * memory (the newest `limit`). Listens on 127.0.0.1 only; STARTTLS is off (loopback), AUTH is checked when
 * credentials are given. Uses dev dependencies: import it only outside production.
 */
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"
import type { CapturedMail } from "./Mailbox.ts"

export interface CaptureOptions {
  /** 0 (default): a free port chosen by the system. */
  readonly port?: number
  /** Refuse mail from clients that do not log in with these. */
  readonly auth?: { readonly user: string; readonly password: string }
  /** How many messages to keep (oldest dropped first); 500 by default. */
  readonly limit?: number
}

export interface Capture {
  readonly port: number
  readonly url: string
  /** Newest first; only messages to `to` when given. */
  readonly messages: (to?: string) => ReadonlyArray<CapturedMail>
  /** The first message (already received or still to come) that matches: an event, never a poll or a sleep. */
  readonly next: (match: (mail: CapturedMail) => boolean) => Promise<CapturedMail>
  readonly close: () => Promise<void>
}

const textOf = (parsed: ParsedMail) => (typeof parsed.text === "string" ? parsed.text : "")
const fromOf = (parsed: ParsedMail) => parsed.from?.text ?? ""

export const startCapture = async (options: CaptureOptions = {}): Promise<Capture> => {
  const limit = options.limit ?? 500
  const kept: Array<CapturedMail> = []
  const waiting = new Set<{ match: (mail: CapturedMail) => boolean; resolve: (mail: CapturedMail) => void }>()
  let nextId = 1
  const auth = options.auth
  const server = new SMTPServer({
    secure: false,
    disabledCommands: auth === undefined ? ["STARTTLS", "AUTH"] : ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: auth === undefined,
    logger: false,
    size: 1024 * 1024,
    onAuth: (credentials, _session, callback) => {
      if (auth !== undefined && credentials.username === auth.user && credentials.password === auth.password)
        return callback(null, { user: credentials.username })
      return callback(new Error("Invalid username or password"))
    },
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((parsed) => {
          const mail: CapturedMail = {
            id: nextId++,
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: fromOf(parsed),
            subject: parsed.subject ?? "",
            text: textOf(parsed),
            receivedAt: new Date().toISOString()
          }
          kept.push(mail)
          if (kept.length > limit) kept.splice(0, kept.length - limit)
          for (const waiter of waiting)
            if (waiter.match(mail)) {
              waiting.delete(waiter)
              waiter.resolve(mail)
            }
          callback()
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error("unparseable message")))
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
  })
  const address = server.server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  const messages = (to?: string) => kept.filter((m) => to === undefined || m.to.includes(to.toLowerCase())).toReversed()
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    next: (match) => {
      const already = kept.find(match)
      if (already !== undefined) return Promise.resolve(already)
      return new Promise((resolve) => waiting.add({ match, resolve }))
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
