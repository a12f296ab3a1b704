/** Inbound webhook handler: raw bytes and headers in, the pipeline's outcome (or a precise refusal) out. */
import { DateTime, Effect, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import type { WebhookRetryLater } from "../../core/webhooks/Pipeline.ts"
import * as Receive from "../../core/webhooks/Receive.ts"
import type { WebhookRejected } from "../../core/webhooks/Webhook.ts"
import { Api } from "./Api.ts"
import { problems } from "./ErrorMapping.ts"
import { NotFound, ServiceUnavailable, Unauthorized } from "./Problems.ts"
import { Malformed } from "./WebhooksApi.ts"

const rejection = {
  signature: () => new Unauthorized({ code: "invalid_signature", detail: "The signature does not match." }),
  stale: () =>
    new Unauthorized({ code: "stale_timestamp", detail: "The delivery's timestamp is outside the accepted window." }),
  replayed: () => new Unauthorized({ code: "replayed_delivery", detail: "This nonce was already used." }),
  malformed: () => new Malformed({ code: "malformed_webhook" }),
  unknown_source: () => new NotFound({ code: "unknown_source" }),
  account_mismatch: () =>
    new Unauthorized({ code: "account_mismatch", detail: "The delivery names another account than this connection's." })
} as const

/** The delivery as the pipeline sees it: the raw bytes (never a re-serialised body) and lower-cased headers. */
const deliveryOf = (provider: string, payload: Stream.Stream<Uint8Array, unknown>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const chunks = yield* Stream.runCollect(payload).pipe(
      Effect.mapError(() => new Malformed({ code: "unreadable_body" }))
    )
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
    return { provider, rawBody: Buffer.concat(chunks), headers, receivedAt: yield* DateTime.now }
  })

const answers = {
  WebhookRejected: (e: WebhookRejected) => Effect.fail(rejection[e.reason]()),
  WebhookRetryLater: (e: WebhookRetryLater) =>
    Effect.fail(new ServiceUnavailable({ code: "retry_later", retryAfterSeconds: 60, detail: e.detail })),
  PersistenceError: problems.PersistenceError
} as const

export const WebhooksHandlers = HttpApiBuilder.group(Api, "webhooks", (handlers) =>
  handlers
    .handle("receive", ({ params, payload }) =>
      deliveryOf(params.provider, payload).pipe(
        Effect.flatMap((delivery) => Receive.atConnection(params.connectionId, delivery)),
        Effect.catchTags(answers)
      )
    )
    .handle("receiveG2A", ({ payload }) =>
      deliveryOf("g2a", payload).pipe(Effect.flatMap(Receive.atAccount), Effect.catchTags(answers))
    )
)
