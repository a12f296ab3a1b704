/**
 * Sales-channel connect flows and order sync. Every browser-facing outcome of a callback is a redirect to the
 * console with a reason code and the message a person reads; the details go to the log only.
 */
import { Effect, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { syncNow } from "../../core/channels/ChannelSync.ts"
import * as Connect from "../../core/connections/Connect.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { SyncReportView } from "./ChannelsApi.ts"
import { browserBinding, codeCallback, endInConsole, startConnect } from "./ConnectFlow.ts"
import { channelProblems, problems } from "./ErrorMapping.ts"
import { Malformed } from "./WebhooksApi.ts"

export const ChannelInstallHandlers = HttpApiBuilder.group(Api, "channelInstall", (handlers) =>
  handlers
    .handle("shopifyInstall", ({ query }) => startConnect("shopify", query))
    .handle("wooInstall", ({ query }) => startConnect("woocommerce", query))
    .handle("syncOrders", ({ params }) =>
      caller.pipe(
        Effect.flatMap((principal) => syncNow(principal, params.id)),
        Effect.map((report) => new SyncReportView(report)),
        Effect.catchTags({
          ConnectionNotFound: problems.ConnectionNotFound,
          ChannelUnusable: problems.ChannelUnusable,
          ...channelProblems
        })
      )
    )
)

const invalid = (code: string, detail: string) => Effect.fail(new Malformed({ code, detail }))

export const ChannelCallbackHandlers = HttpApiBuilder.group(Api, "channelCallbacks", (handlers) =>
  handlers
    .handle("shopifyCallback", () => codeCallback("shopify"))
    .handle("wooCallback", ({ payload }) =>
      Stream.runCollect(payload).pipe(
        Effect.mapError(
          () => new Connect.ConnectRefused({ code: "invalid_callback", detail: "The body could not be read." })
        ),
        Effect.flatMap((chunks) => Connect.receiveKeys("woocommerce", Buffer.concat(chunks))),
        Effect.tap(() => Effect.logInfo("woocommerce keys received")),
        Effect.as({ status: "keys_received" as const }),
        Effect.catchTags({
          ConnectRefused: (e) => invalid(e.code, e.detail),
          OAuthFlowError: () => invalid("state_invalid", "Unknown, used or expired user_id."),
          ProviderLookupError: () => invalid("state_invalid", "Unknown, used or expired user_id."),
          CacheError: () => invalid("state_unavailable", "Try again.")
        })
      )
    )
    .handle("wooReturn", () =>
      endInConsole(
        "woocommerce",
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const query = new URL(request.url, "http://return").searchParams
          const success = query.get("success")
          return yield* Connect.finishKeys("woocommerce", {
            state: query.get("user_id") ?? undefined,
            approved: success === "1" ? true : success === "0" ? false : undefined,
            binding: yield* browserBinding("woocommerce")
          })
        })
      )
    )
)
