/** Inbound webhook handler: raw bytes and headers in, the pipeline's outcome (or a precise refusal) out. */
import { DateTime, Effect, Option, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import * as G2AWebhook from "../../adapters/providers/g2a/webhook.ts"
import { applyG2AEvent, g2aAccountSource } from "../../core/marketplace/PurchaseEvents.ts"
import { applyOrderEvent } from "../../core/webhooks/OrderEvents.ts"
import { type Applier, receive, receiveWith, type WebhookRetryLater } from "../../core/webhooks/Pipeline.ts"
import type { WebhookRejected } from "../../core/webhooks/Webhook.ts"
import { G2AClient } from "../../adapters/providers/g2a/G2AClient.ts"
import type { PurchaseRepository } from "../../core/marketplace/ports/PurchaseRepository.ts"
import type { OrderRepository } from "../../core/orders/ports/OrderRepository.ts"
import type { PersistenceError } from "../../core/shared/errors.ts"
import * as StandardWebhooks from "../../core/webhooks/StandardWebhooks.ts"
import type { SignaturePolicy } from "../../core/webhooks/Webhook.ts"
import { Api } from "./Api.ts"
import { problems } from "./ErrorMapping.ts"
import { NotFound, ServiceUnavailable, Unauthorized } from "./Problems.ts"
import { Malformed } from "./WebhooksApi.ts"

/** Signature policies by provider; provider integrations add theirs here. */
const policies: Readonly<Record<string, SignaturePolicy>> = {
  custom: StandardWebhooks.policy("custom"),
  g2a: G2AWebhook.policy
}

/** What an event does, by provider: marketplace purchase updates for G2A, our order vocabulary otherwise. */
const applierFor = (provider: string): Applier<PersistenceError, OrderRepository | PurchaseRepository> =>
  provider === "g2a" ? applyG2AEvent : applyOrderEvent

const rejection = {
  signature: () => new Unauthorized({ code: "invalid_signature", detail: "The signature does not match." }),
  stale: () => new Unauthorized({ code: "stale_timestamp", detail: "The delivery's timestamp is outside the accepted window." }),
  replayed: () => new Unauthorized({ code: "replayed_delivery", detail: "This nonce was already used." }),
  malformed: () => new Malformed({ code: "malformed_webhook" }),
  unknown_source: () => new NotFound({ code: "unknown_source" })
} as const

/** The delivery as the pipeline sees it: the raw bytes (never a re-serialised body) and lower-cased headers. */
const deliveryOf = (provider: string, payload: Stream.Stream<Uint8Array, unknown>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const chunks = yield* Stream.runCollect(payload).pipe(Effect.mapError(() => new Malformed({ code: "unreadable_body" })))
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
    return { provider, rawBody: Buffer.concat(chunks), headers, receivedAt: yield* DateTime.now }
  })

const answers = {
  WebhookRejected: (e: WebhookRejected) => Effect.fail(rejection[e.reason]()),
  WebhookRetryLater: (e: WebhookRetryLater) => Effect.fail(new ServiceUnavailable({ code: "retry_later", retryAfterSeconds: 60, detail: e.detail })),
  PersistenceError: problems.PersistenceError
} as const

export const WebhooksHandlers = HttpApiBuilder.group(
  Api,
  "webhooks",
  Effect.fn(function*(handlers) {
    const g2a = yield* G2AClient
    return handlers
      .handle("receive", ({ params, payload }) =>
        Effect.gen(function*() {
          const policy = policies[params.provider]
          if (policy === undefined) return yield* new NotFound({ code: "unknown_source" })
          const delivery = yield* deliveryOf(params.provider, payload)
          return yield* receive(policy, params.connectionId, delivery, applierFor(params.provider))
        }).pipe(Effect.catchTags(answers)))
      .handle("receiveG2A", ({ payload }) =>
        Effect.gen(function*() {
          if (Option.isNone(g2a.account)) return yield* new NotFound({ code: "unknown_source", detail: "G2A is not configured." })
          const delivery = yield* deliveryOf("g2a", payload)
          return yield* receiveWith(G2AWebhook.policy, g2aAccountSource(g2a.account.value), delivery, applyG2AEvent)
        }).pipe(Effect.catchTags(answers)))
  })
)
