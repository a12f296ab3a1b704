/**
 * The connect flows of every provider the catalogue can connect: which provider is the route's `:provider`; what
 * differs between providers is the core's ConnectAdapter, never a handler. Every browser-facing outcome of a
 * callback is a redirect to the console with a reason code and the message a person reads; details go to the log.
 */
import { Effect, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import * as Connect from "../../core/connections/Connect.ts"
import { Api } from "./Api.ts"
import { browserBinding, codeCallback, endInConsole, startConnect } from "./ConnectFlow.ts"
import { Malformed } from "./WebhooksApi.ts"

export const ConnectHandlers = HttpApiBuilder.group(Api, "connect", (handlers) =>
  handlers.handle("install", ({ params, query }) => startConnect(params.provider, query))
)

const invalid = (code: string, detail: string) => Effect.fail(new Malformed({ code, detail }))

export const ConnectCallbackHandlers = HttpApiBuilder.group(Api, "connectCallbacks", (handlers) =>
  handlers
    .handle("callback", ({ params }) => codeCallback(params.provider))
    .handle("keys", ({ params, payload }) =>
      Stream.runCollect(payload).pipe(
        Effect.mapError(
          () => new Connect.ConnectRefused({ code: "invalid_callback", detail: "The body could not be read." })
        ),
        Effect.flatMap((chunks) => Connect.receiveKeys(params.provider, Buffer.concat(chunks))),
        Effect.tap(() =>
          Effect.logInfo("provider keys received").pipe(Effect.annotateLogs("provider", params.provider))
        ),
        Effect.as({ status: "keys_received" as const }),
        Effect.catchTags({
          ConnectRefused: (e) => invalid(e.code, e.detail),
          OAuthFlowError: () => invalid("state_invalid", "Unknown, used or expired user_id."),
          ProviderLookupError: () => invalid("state_invalid", "Unknown, used or expired user_id."),
          CacheError: () => invalid("state_unavailable", "Try again.")
        })
      )
    )
    .handle("return", ({ params }) =>
      endInConsole(
        params.provider,
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const query = new URL(request.url, "http://return").searchParams
          const success = query.get("success")
          return yield* Connect.finishKeys(params.provider, {
            state: query.get("user_id") ?? undefined,
            approved: success === "1" ? true : success === "0" ? false : undefined,
            binding: yield* browserBinding(params.provider)
          })
        })
      )
    )
)
