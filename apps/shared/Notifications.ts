/**
 * The notifier, wired: its Standard Webhooks POSTs leave through the provider client's resilience policy
 * (timeout, retries, circuit breaker), handed to the notifications adapter as its Outbound port. Needs the
 * ProviderClient that Providers.ts builds.
 */
import { Effect, Layer } from "effect"
import * as WebhookNotifier from "../../adapters/notifications/WebhookNotifier.ts"
import { ProviderClient } from "../../adapters/providers/shared/ProviderClient.ts"

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

export const NotifierLive = WebhookNotifier.layerConfig.pipe(Layer.provide(OutboundLive))
