/** The order sync of a sales-channel connection (the connect flows are ConnectHandlers, for every provider). */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { syncNow } from "../../core/channels/ChannelSync.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { SyncReportView } from "./ChannelsApi.ts"
import { channelProblems, problems } from "./ErrorMapping.ts"

export const ChannelsHandlers = HttpApiBuilder.group(Api, "channels", (handlers) =>
  handlers.handle("syncOrders", ({ params }) =>
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
