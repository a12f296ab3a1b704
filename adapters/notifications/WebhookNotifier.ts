/**
 * Notifier: every notification is a warn log line, and — when NOTIFICATION_WEBHOOK_URL is set — a Standard
 * Webhooks–signed POST (`webhook-id`, `webhook-timestamp`, `webhook-signature` with NOTIFICATION_WEBHOOK_SECRET)
 * sent through the Outbound port in the background, so the caller is never held up by the receiver.
 */
import { Config, Context, DateTime, Effect, Layer, Option } from "effect"
import { HttpClientRequest } from "effect/http"
import { randomUUID } from "node:crypto"
import { Notifier } from "../../core/notifications/ports/Notifier.ts"
import type { ProviderError } from "../../core/providers/ProviderError.ts"
import { sign } from "../../core/webhooks/StandardWebhooks.ts"

/**
 * How a notification leaves the process. The wiring (apps/shared/Notifications.ts) backs it with the resilient
 * provider client (timeout, retries, circuit breaker), so this adapter needs no other adapter family.
 */
export class Outbound extends Context.Service<
  Outbound,
  {
    /** `operation` names the call in logs and metrics (the path, never the full URL). */
    readonly post: (
      request: HttpClientRequest.HttpClientRequest,
      operation: string
    ) => Effect.Effect<void, ProviderError>
  }
>()("tradeport/adapters/notifications/Outbound") {}

export const layerConfig = Layer.effect(
  Notifier,
  Effect.gen(function* () {
    const url = yield* Config.option(Config.URL("NOTIFICATION_WEBHOOK_URL"))
    const secret = yield* Config.option(Config.Redacted("NOTIFICATION_WEBHOOK_SECRET"))
    const outbound = yield* Outbound
    const send = (body: Uint8Array, id: string, timestamp: number) =>
      Option.isNone(url)
        ? Effect.void
        : outbound
            .post(
              HttpClientRequest.post(url.value.href).pipe(
                HttpClientRequest.setHeaders({
                  "webhook-id": id,
                  "webhook-timestamp": String(timestamp),
                  ...(Option.isSome(secret)
                    ? { "webhook-signature": `v1,${sign(secret.value, id, timestamp, body)}` }
                    : {})
                }),
                HttpClientRequest.bodyUint8Array(body, "application/json")
              ),
              url.value.pathname
            )
            .pipe(
              Effect.catch((e) =>
                Effect.logError("notification not delivered").pipe(Effect.annotateLogs({ id, reason: e.reason }))
              )
            )
    return Notifier.of({
      notify: (notification) =>
        Effect.gen(function* () {
          const id = `ntf_${randomUUID()}`
          const now = yield* DateTime.now
          yield* Effect.logWarning("notification").pipe(Effect.annotateLogs({ id, ...notification }))
          const body = Buffer.from(
            JSON.stringify({ type: notification.type, timestamp: DateTime.formatIso(now), data: notification })
          )
          yield* Effect.forkDetach(send(body, id, Math.floor(DateTime.toEpochMillis(now) / 1000)))
        })
    })
  })
)
