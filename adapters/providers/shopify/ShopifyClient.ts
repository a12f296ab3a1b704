/**
 * The Shopify client: the OAuth code exchange and refresh grant (expiring offline tokens: 60-minute access tokens,
 * the refresh token replaced on every use), Admin GraphQL calls with the connection's token (cached, refreshed
 * single-flight before expiry and once on a 401), the order feed (paginated, since a cursor, THROTTLED and 429
 * answers waited out), and webhook subscriptions. Every request goes through the shared ProviderClient.
 */
import { Context, type DateTime, Duration, Effect, Layer, Option, Redacted, Schema, Stream } from "effect"
import { HttpClientRequest } from "effect/http"
import type { ChannelOrder } from "../../../core/channels/ChannelOrders.ts"
import type { ConnectionId, Credentials } from "../../../core/connections/Connection.ts"
import { connectionTokenSource, ProviderTokenError } from "../../../core/connections/ConnectionTokens.ts"
import { TokenEnvironment } from "../../../core/connections/TokenKeys.ts"
import { TokenManager, TokenRejected } from "../../../core/connections/TokenManager.ts"
import type { OrgId } from "../../../core/shared/Ids.ts"
import * as OAuth2 from "../shared/OAuth2.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import { ProviderError } from "../../../core/providers/ProviderError.ts"
import type { ShopifySettings } from "./ShopifyConfig.ts"
import {
  GraphQLEnvelope,
  isThrottled,
  ORDERS_QUERY,
  orderFromGraphQL,
  OrdersData,
  shopUrl,
  throttleWait,
  updatedSince,
  WEBHOOK_MUTATION,
  WEBHOOK_TOPICS,
  WebhookCreateData
} from "./ShopifyContract.ts"

/** What a Shopify connection stores (sealed): an offline token, its refresh token when expiring, the shop. */
export const ShopifyCredentials = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: Schema.optionalKey(Schema.String),
  shop: Schema.String,
  scope: Schema.String
})

const PAGE_SIZE = 50
const THROTTLE_RETRIES = 3

const tokenEndpoint = (settings: ShopifySettings, shop: string): OAuth2.TokenEndpoint => ({
  provider: "shopify",
  url: `${shopUrl(settings, shop)}/admin/oauth/access_token`,
  clientId: settings.clientId,
  clientSecret: settings.clientSecret,
  clientAuth: "body",
  encoding: "json"
})

const failure = (operation: string, reason: ProviderError["reason"], detail?: string) =>
  new ProviderError({ provider: "shopify", operation, reason, ...(detail === undefined ? {} : { detail }) })

const make = (settings: ShopifySettings) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const tokens = yield* TokenManager

    /** Expiring offline token: `expiring: 1` asks for a 60-minute token with a refresh token. */
    const exchangeCode = (shop: string, code: string) =>
      OAuth2.tokenRequest(tokenEndpoint(settings, shop), { code, expiring: 1 }).pipe(
        Effect.provideService(ProviderClient, client)
      )

    const refreshGrant = (credentials: Credentials) => {
      const stored = Schema.decodeUnknownOption(ShopifyCredentials)(credentials)
      const refreshToken = Option.flatMapNullishOr(stored, (c) => c.refreshToken)
      if (Option.isNone(stored) || Option.isNone(refreshToken)) {
        // A non-expiring token has nothing to refresh with: only a new consent helps.
        return Effect.fail(
          new ProviderTokenError({ oauthError: "invalid_grant", message: "no refresh token stored for this shop" })
        )
      }
      return OAuth2.refreshToken(tokenEndpoint(settings, stored.value.shop), Redacted.make(refreshToken.value)).pipe(
        Effect.provideService(ProviderClient, client)
      )
    }

    const source = (organizationId: OrgId, connectionId: ConnectionId, env: string) =>
      connectionTokenSource({ organizationId, connectionId, provider: "shopify", env, grant: refreshGrant })

    /** One GraphQL request; a THROTTLED answer is waited out (the bucket's restore rate), a 401 refreshes the token. */
    const graphql = <A, I>(
      shop: string,
      token: Redacted.Redacted<string>,
      query: string,
      variables: Record<string, unknown>,
      data: Schema.Codec<A, I>
    ) =>
      Effect.gen(function* () {
        const operation = "/admin/api/graphql.json"
        for (let attempt = 0; ; attempt++) {
          const request = HttpClientRequest.post(
            `${shopUrl(settings, shop)}/admin/api/${settings.apiVersion}/graphql.json`
          ).pipe(
            HttpClientRequest.bodyJsonUnsafe({ query, variables }),
            HttpClientRequest.acceptJson,
            HttpClientRequest.setHeader("x-shopify-access-token", Redacted.value(token))
          )
          const response = yield* client
            .execute(request, { provider: "shopify", operation, circuit: `shopify:${shop}` })
            .pipe(Effect.mapError((e) => (e.reason === "Unauthorized" ? new TokenRejected() : e)))
          const envelope = yield* response.json.pipe(
            Effect.flatMap(Schema.decodeUnknownEffect(GraphQLEnvelope)),
            Effect.mapError(() => failure(operation, "Decode", "not a GraphQL response"))
          )
          if (isThrottled(envelope)) {
            if (attempt >= THROTTLE_RETRIES) return yield* failure(operation, "RateLimited", "THROTTLED")
            yield* Effect.sleep(Duration.seconds(Math.min(10, throttleWait(envelope))))
            continue
          }
          if ((envelope.errors ?? []).length > 0 || envelope.data === undefined || envelope.data === null) {
            const code = envelope.errors?.[0]?.extensions?.code
            return yield* failure(operation, code === "ACCESS_DENIED" ? "Rejected" : "Decode", code ?? "graphql_errors")
          }
          return yield* Schema.decodeUnknownEffect(data)(envelope.data).pipe(
            Effect.mapError(() => failure(operation, "Decode", "unexpected data"))
          )
        }
      })

    const withToken = <A, E, R>(
      organizationId: OrgId,
      connectionId: ConnectionId,
      use: (token: Redacted.Redacted<string>) => Effect.Effect<A, E | TokenRejected, R>
    ) =>
      Effect.gen(function* () {
        return yield* tokens.withToken(source(organizationId, connectionId, yield* TokenEnvironment), use)
      })

    /** Orders updated since the cursor (inclusive), oldest first, a page per request. */
    const orders =
      (organizationId: OrgId, connectionId: ConnectionId, shop: string) => (since: Option.Option<DateTime.Utc>) =>
        Stream.paginate(Option.none<string>(), (after: Option.Option<string>) =>
          withToken(organizationId, connectionId, (token) =>
            graphql(
              shop,
              token,
              ORDERS_QUERY,
              { first: PAGE_SIZE, after: Option.getOrNull(after), query: updatedSince(since) },
              OrdersData
            )
          ).pipe(
            Effect.flatMap((data) =>
              Effect.gen(function* () {
                const page: Array<ChannelOrder> = []
                for (const node of data.orders.nodes) {
                  const mapped = orderFromGraphQL(node)
                  if (mapped._tag === "Success") page.push(mapped.success)
                  else
                    yield* Effect.logWarning("shopify order skipped").pipe(
                      Effect.annotateLogs({ reason: mapped.failure })
                    )
                }
                const next =
                  data.orders.pageInfo.hasNextPage && data.orders.pageInfo.endCursor !== null
                    ? Option.some(Option.some(data.orders.pageInfo.endCursor))
                    : Option.none<Option.Option<string>>()
                return [[page], next] as const
              })
            )
          )
        )

    /** Subscribes the connection's webhook URL to every topic we handle; an existing subscription counts as done. */
    const registerWebhooks = (organizationId: OrgId, connectionId: ConnectionId, shop: string, uri: string) =>
      withToken(organizationId, connectionId, (token) =>
        Effect.forEach(WEBHOOK_TOPICS, (topic) =>
          graphql(shop, token, WEBHOOK_MUTATION, { topic, uri }, WebhookCreateData).pipe(
            Effect.map((d) => {
              const errors = d.webhookSubscriptionCreate.userErrors
              return errors.length === 0 || errors.every((e) => /already been taken|already exists/i.test(e.message))
            })
          )
        )
      ).pipe(Effect.map((results) => ({ topics: WEBHOOK_TOPICS.length, registered: results.filter(Boolean).length })))

    return { settings, exchangeCode, refreshGrant, orders, registerWebhooks }
  })

export type ShopifyApi = Effect.Success<ReturnType<typeof make>>

export class ShopifyClient extends Context.Service<
  ShopifyClient,
  {
    /** None when Shopify is not configured (no SHOPIFY_CLIENT_ID). */
    readonly api: Option.Option<ShopifyApi>
  }
>()("tradeport/adapters/providers/shopify/ShopifyClient") {
  static readonly layer = (settings: ShopifySettings) =>
    Layer.effect(ShopifyClient, make(settings).pipe(Effect.map((api) => ShopifyClient.of({ api: Option.some(api) }))))

  static readonly disabled = Layer.succeed(ShopifyClient, ShopifyClient.of({ api: Option.none() }))
}
