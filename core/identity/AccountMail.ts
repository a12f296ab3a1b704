/**
 * What the account lifecycle's emails say. Plain text with the links written out; no secret but the one-time
 * link the message exists to deliver, and never a password.
 */
import type { Mail } from "../notifications/ports/Mailer.ts"
import type { PublicLinksShape } from "../shared/ports/PublicLinks.ts"

const SIGNATURE = "\n— Tradeport\n"

export const verification = (to: string, link: string): Mail => ({
  to,
  subject: "Confirm your email address for Tradeport",
  text: `Welcome to Tradeport.\n\nConfirm this address to finish creating your account:\n\n${link}\n\nThe link works once and expires in 24 hours. If you did not sign up, ignore this message: no account will be usable without it.\n${SIGNATURE}`
})

/**
 * Someone signed up with an address that already has an account: the owner of the address learns it, nobody else.
 * An account that was never confirmed may carry a password someone else chose, so it is offered a new password (a
 * reset link), never a link that would confirm it as it is.
 */
export const alreadyRegistered = (to: string, links: PublicLinksShape, resetLink: string | undefined): Mail => ({
  to,
  subject: "You already have a Tradeport account",
  text: `Someone (probably you) tried to sign up for Tradeport with this address, which already has an account. Nothing was changed.\n\n${
    resetLink === undefined
      ? `Log in: ${links.login}\n\nForgot your password? Reset it: ${links.forgotPassword}`
      : `The account was never confirmed. To use it, choose a new password here (this also confirms your address):\n\n${resetLink}\n\nThe link works once and expires in 30 minutes.`
  }\n\nIf this was not you, you can ignore this message.\n${SIGNATURE}`
})

export const passwordReset = (to: string, link: string): Mail => ({
  to,
  subject: "Reset your Tradeport password",
  text: `A password reset was requested for your Tradeport account.\n\nChoose a new password here:\n\n${link}\n\nThe link works once and expires in 30 minutes. Resetting logs you out everywhere. If you did not ask for this, ignore this message: your password stays as it is.\n${SIGNATURE}`
})

export const passwordChanged = (to: string, links: PublicLinksShape, how: "changed" | "reset"): Mail => ({
  to,
  subject: "Your Tradeport password was changed",
  text: `The password of your Tradeport account was ${how === "reset" ? "reset with an emailed link" : "changed"}; ${
    how === "reset" ? "every session was" : "your other sessions were"
  } logged out.\n\nIf this was not you, reset your password now: ${links.forgotPassword}\n${SIGNATURE}`
})
