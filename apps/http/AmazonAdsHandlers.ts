/** Amazon Ads: the connect flow (start, callback) and the advertiser profiles of a connection. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as Advertising from "../../core/advertising/Advertising.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { codeCallback, startConnect } from "./ConnectFlow.ts"
import { toView } from "./ConnectionsHandlers.ts"
import { channelProblems, problems } from "./ErrorMapping.ts"

const adsProblems = {
  ...channelProblems,
  ConnectionNotFound: problems.ConnectionNotFound,
  AdsRefused: problems.AdsRefused
} as const

export const AmazonAdsHandlers = HttpApiBuilder.group(Api, "amazonAds", (handlers) =>
  handlers
    .handle("install", ({ query }) => startConnect("amazon_ads", query))
    .handle("profiles", ({ params }) =>
      caller.pipe(
        Effect.flatMap((principal) => Advertising.profiles(principal, params.id)),
        Effect.catchTags(adsProblems)
      )
    )
    .handle("selectProfile", ({ params, payload }) =>
      caller.pipe(
        Effect.flatMap((principal) => Advertising.selectProfile(principal, params.id, payload.profileId)),
        Effect.map(toView),
        Effect.catchTags({
          ...adsProblems,
          InsufficientRole: problems.InsufficientRole,
          UnknownProfile: problems.UnknownProfile
        })
      )
    )
)

export const AmazonAdsCallbackHandlers = HttpApiBuilder.group(Api, "amazonAdsCallback", (handlers) =>
  handlers.handle("callback", () => codeCallback("amazon_ads"))
)
