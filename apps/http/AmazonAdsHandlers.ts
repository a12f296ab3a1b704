/** Amazon Ads: the advertiser profiles of a connection and the one it acts for. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as Advertising from "../../core/advertising/Advertising.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { toView } from "./ConnectionsHandlers.ts"
import { channelProblems, problems } from "./ErrorMapping.ts"

const adsProblems = {
  ...channelProblems,
  ConnectionNotFound: problems.ConnectionNotFound,
  AdsRefused: problems.AdsRefused
} as const

export const AmazonAdsHandlers = HttpApiBuilder.group(Api, "amazonAds", (handlers) =>
  handlers
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
