/**
 * Notifier: every notification is a warn log line, and — when NOTIFICATION_WEBHOOK_URL is set — a Standard
 * Webhooks–signed POST (`webhook-id`, `webhook-timestamp`, `webhook-signature` with NOTIFICATION_WEBHOOK_SECRET)
 * sent through the resilient provider client (retries, circuit breaker) in the background, so the caller is never
 * held up by the receiver.
 */
import { Config, DateTime, Effect, Layer, Option } from "effect"
import { HttpClientRequest } from "effect/http"
import { randomUUID } from "node:crypto"
import { Notifier } from "../../core/notifications/ports/Notifier.ts"
import { sign } from "../../core/webhooks/StandardWebhooks.ts"
import { ProviderClient } from "../providers/shared/ProviderClient.ts"

export const layerConfig = Layer.effect(
  Notifier,
  Effect.gen(function*() {
    const url = yield* Config.option(Config.URL("NOTIFICATION_WEBHOOK_URL"))
    const secret = yield* Config.option(Config.Redacted("NOTIFICATION_WEBHOOK_SECRET"))
    const client = yield* ProviderClient
    const send = (body: Uint8Array, id: string, timestamp: number) =>
      Option.isNone(url)
        ? Effect.void
        : client.execute(
          HttpClientRequest.post(url.value.href).pipe(
            HttpClientRequest.setHeaders({
              "webhook-id": id,
              "webhook-timestamp": String(timestamp),
              ...(Option.isSome(secret) ? { "webhook-signature": `v1,${sign(secret.value, id, timestamp, body)}` } : {})
            }),
            HttpClientRequest.bodyUint8Array(body, "application/json")
          ),
          { provider: "notifications", operation: url.value.pathname }
        ).pipe(
          Effect.asVoid,
          Effect.catch((e) => Effect.logError("notification not delivered").pipe(Effect.annotateLogs({ id, reason: e.reason })))
        )
    return Notifier.of({
      notify: (notification) =>
        Effect.gen(function*() {
          const id = `ntf_${randomUUID()}`
          const now = yield* DateTime.now
          yield* Effect.logWarning("notification").pipe(Effect.annotateLogs({ id, ...notification }))
          const body = Buffer.from(JSON.stringify({ type: notification.type, timestamp: DateTime.formatIso(now), data: notification }))
          yield* Effect.forkDetach(send(body, id, Math.floor(DateTime.toEpochMillis(now) / 1000)))
        })
    })
  })
)

