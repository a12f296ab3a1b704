/**
 * The WooCommerce client: REST v3 with the store's consumer key and secret (HTTP Basic over https), every call to
 * the user-supplied store URL sent as untrusted egress (SSRF-guarded at check and at connect time) through the
 * shared ProviderClient. Orders are read by modification time, a page at a time (`X-WP-TotalPages`); webhooks
 * for order creation and updates are registered with the connection's own signing secret.
 */
import { DateTime, Effect, Option, Redacted, Schema, Stream } from "effect"
import { HttpClientRequest } from "effect/http"
import type { ChannelOrder } from "../../../core/channels/ChannelOrders.ts"
import type { Credentials } from "../../../core/connections/Connection.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import { ProviderError } from "../../../core/providers/ProviderError.ts"
import { toChannelOrder, WooCredentials, WooOrder } from "./WooContract.ts"

const PAGE_SIZE = 50
export const WEBHOOK_TOPICS = ["order.created", "order.updated", "order.deleted"] as const

export interface StoreAccess {
  readonly store: string
  readonly credentials: Redacted.Redacted<Credentials>
}

/** The store's keys; a connection without them (stored by an older version, or damaged) cannot call the store. */
const keysOf = (access: StoreAccess) =>
  Schema.decodeUnknownEffect(WooCredentials)(Redacted.value(access.credentials)).pipe(
    Effect.mapError(
      () => new ProviderError({ provider: "woocommerce", operation: "credentials", reason: "Unauthorized" })
    )
  )

const authorized = (request: HttpClientRequest.HttpClientRequest, keys: typeof WooCredentials.Type) =>
  HttpClientRequest.basicAuth(request, keys.consumerKey, keys.consumerSecret).pipe(HttpClientRequest.acceptJson)

const call = (
  access: StoreAccess,
  request: HttpClientRequest.HttpClientRequest,
  operation: string,
  idempotent = true
) =>
  Effect.gen(function* () {
    const client = yield* ProviderClient
    const keys = yield* keysOf(access)
    return yield* client.execute(authorized(request, keys), {
      provider: "woocommerce",
      operation,
      circuit: `woocommerce:${new URL(access.store).host}`,
      egress: "untrusted",
      idempotent
    })
  })

const decodeFailure = (operation: string) => () =>
  new ProviderError({ provider: "woocommerce", operation, reason: "Decode" })

/**
 * Orders modified since the cursor, oldest first, a page per request. Paged by time, not by offset: each request
 * asks for what was modified after the newest order seen so far (a second early, ids already seen dropped), so an
 * order modified while the sync runs cannot shift the pages and be skipped. Within one second, pages advance by
 * offset.
 */
export const orders = (access: StoreAccess) => (since: Option.Option<DateTime.Utc>) =>
  Stream.paginate({ after: since, page: 1, seen: new Set<number>() }, (state) =>
    Effect.gen(function* () {
      const operation = "/wp-json/wc/v3/orders"
      // `any` leaves out trashed orders; a trashed order must release what we hold for it.
      const query: Record<string, string> = {
        per_page: String(PAGE_SIZE),
        page: String(state.page),
        orderby: "modified",
        order: "asc",
        dates_are_gmt: "true",
        status: "any,trash"
      }
      // `modified_after` is exclusive and to the second: start a second early (ingestion is idempotent).
      if (Option.isSome(state.after))
        query["modified_after"] = DateTime.formatIso(DateTime.subtract(state.after.value, { seconds: 1 }))
      const response = yield* call(
        access,
        HttpClientRequest.get(`${access.store}/wp-json/wc/v3/orders`, { urlParams: query }),
        operation
      )
      const body = yield* response.json.pipe(
        Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(WooOrder))),
        Effect.mapError(decodeFailure(operation))
      )
      const mapped: Array<ChannelOrder> = []
      let newest = state.after
      for (const order of body) {
        if (state.seen.has(order.id)) continue
        state.seen.add(order.id)
        const result = toChannelOrder(order)
        if (result._tag === "Failure") {
          yield* Effect.logWarning("woocommerce order skipped").pipe(Effect.annotateLogs({ reason: result.failure }))
          continue
        }
        if (Option.isNone(result.success)) continue
        mapped.push(result.success.value)
        if (Option.isNone(newest) || DateTime.isGreaterThan(result.success.value.updatedAt, newest.value))
          newest = Option.some(result.success.value.updatedAt)
      }
      const advanced =
        Option.isSome(newest) && (Option.isNone(state.after) || DateTime.isGreaterThan(newest.value, state.after.value))
      const next =
        body.length < PAGE_SIZE
          ? Option.none<typeof state>()
          : Option.some(advanced ? { after: newest, page: 1, seen: state.seen } : { ...state, page: state.page + 1 })
      return [[mapped], next] as const
    })
  )

/** Registers order webhooks pointing at the connection's URL, signed with its secret. */
export const registerWebhooks = (access: StoreAccess, deliveryUrl: string, secret: Redacted.Redacted<string>) =>
  Effect.forEach(WEBHOOK_TOPICS, (topic) =>
    call(
      access,
      HttpClientRequest.post(`${access.store}/wp-json/wc/v3/webhooks`).pipe(
        HttpClientRequest.bodyJsonUnsafe({
          name: `Tradeport ${topic}`,
          topic,
          delivery_url: deliveryUrl,
          secret: Redacted.value(secret),
          status: "active"
        })
      ),
      "/wp-json/wc/v3/webhooks",
      false
    ).pipe(
      Effect.as(true),
      Effect.catchTag("ProviderError", (e) =>
        Effect.logWarning("woocommerce webhook registration failed").pipe(
          Effect.annotateLogs({ topic, reason: e.reason, status: e.status ?? null }),
          Effect.as(false)
        )
      )
    )
  ).pipe(Effect.map((results) => ({ topics: WEBHOOK_TOPICS.length, registered: results.filter(Boolean).length })))
