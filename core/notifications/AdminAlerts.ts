/**
 * Use case: an organisation's owners and admins get an email when one of its connections needs attention (it must be
 * re-authorised, or its scheduled refreshes started failing). Called by the Notifier for each notification, which
 * is raised once per state change, never per retry — so an admin gets one email per transition.
 */
import { Effect } from "effect"
import { IdentityRepository } from "../identity/ports/IdentityRepository.ts"
import { OrgId } from "../shared/Ids.ts"
import { PublicLinks } from "../shared/ports/PublicLinks.ts"
import { Mailer } from "./ports/Mailer.ts"
import type { Notification } from "./ports/Notifier.ts"

const subjectOf = (n: Notification) =>
  n.type === "connection.needs_reauth"
    ? `Action needed: reconnect your ${n.provider} connection`
    : `Your ${n.provider} connection's token refreshes are failing`

const textOf = (n: Notification, link: string) =>
  `${
    n.type === "connection.needs_reauth"
      ? `Your ${n.provider} connection (${n.connectionId}) was refused by ${n.provider} and must be re-authorised. Until then nothing is synchronised through it.`
      : `Tradeport could not refresh the access token of your ${n.provider} connection (${n.connectionId}). It keeps retrying with backoff; if it does not recover, re-authorise the connection.`
  }\n\nWhat the provider said: ${n.detail}\n\nOpen the connection in the console: ${link}\n\nYou receive this because you are an owner or admin of the organisation.\n\n— Tradeport\n`

export const emailAdmins = Effect.fn("AdminAlerts.emailAdmins")(function* (notification: Notification) {
  const repository = yield* IdentityRepository
  const mailer = yield* Mailer
  const links = yield* PublicLinks
  const members = yield* repository.listMembers(OrgId.make(notification.organizationId))
  const admins = members.filter((m) => m.role === "owner" || m.role === "admin")
  const mail = { subject: subjectOf(notification), text: textOf(notification, links.connections) }
  // One recipient per message: admins never see each other's addresses.
  for (const admin of admins)
    yield* mailer
      .send({ to: admin.email, ...mail })
      .pipe(
        Effect.catchTag("MailError", (e) =>
          Effect.logError("could not email an admin about a connection").pipe(
            Effect.annotateLogs({ connection: notification.connectionId, reason: e.reason })
          )
        )
      )
  return admins.length
})
