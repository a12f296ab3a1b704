/** A message the loopback SMTP capture (SmtpCapture.ts) received, as the development mailbox shows it. */
export interface CapturedMail {
  readonly id: number
  /** Envelope recipients, lower-cased. */
  readonly to: ReadonlyArray<string>
  readonly from: string
  readonly subject: string
  readonly text: string
  readonly receivedAt: string
}
