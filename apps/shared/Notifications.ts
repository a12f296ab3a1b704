/**
 * The notifier, wired: every notification (raised once per state change) goes to the organisation's owners and
 * admins by email (core/notifications/AdminAlerts.ts) and, when NOTIFICATION_WEBHOOK_URL is set, to the merchant
 * platform as a Standard Webhooks POST through the provider client's resilience policy (timeout, retries, circuit
 * breaker), handed to the notifications adapter as its Outbound port. Needs the ProviderClient that Providers.ts
 * builds, the IdentityRepository and the Mailer.
 */
import { Effect, Layer } from "effect"
import * as WebhookNotifier from "../../adapters/notifications/WebhookNotifier.ts"
import { ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"
import { emailAdmins } from "../../core/notifications/AdminAlerts.ts"
import { Notifier } from "../../core/notifications/ports/Notifier.ts"

const OutboundLive = Layer.effect(
  WebhookNotifier.Outbound,
  Effect.gen(function* () {
    const client = yield* ProviderClient
    return WebhookNotifier.Outbound.of({
      post: (request, operation) =>
        client.execute(request, { provider: "notifications", operation }).pipe(Effect.asVoid)
    })
  })
)

/** The webhook notifier, and the admins' emails sent in the background (the caller is never held up by SMTP). */
const WithAdminEmails = Layer.effect(
  Notifier,
  Effect.gen(function* () {
    const webhook = yield* Notifier
    const context = yield* Effect.context<Effect.Services<ReturnType<typeof emailAdmins>>>()
    return Notifier.of({
      notify: (notification) =>
        Effect.andThen(
          webhook.notify(notification),
          Effect.forkDetach(
            emailAdmins(notification).pipe(
              Effect.provide(context),
              Effect.catch((e) =>
                Effect.logError("could not email the admins about a connection").pipe(
                  Effect.annotateLogs({ connection: notification.connectionId, error: e._tag })
                )
              )
            )
          )
        ).pipe(Effect.asVoid)
    })
  })
)

export const NotifierLive = WithAdminEmails.pipe(
  Layer.provide(WebhookNotifier.layerConfig.pipe(Layer.provide(OutboundLive)))
)
