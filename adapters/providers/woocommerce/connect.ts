/**
 * Connecting a WooCommerce store by key exchange: the store URL is checked (https, and never an internal address:
 * the egress guard), the merchant approves on the store's own page, the store POSTs REST API keys to our callback
 * (server to server, held until the starting browser returns), and the store's webhooks are created with a secret
 * chosen here — kept on a reconnect, so the store's existing webhooks stay verifiable.
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { ConnectRefused, type ConnectAdapter } from "../../../core/connections/Connect.ts"
import { OAuthFlowError, userMessage } from "../../../core/connections/OAuthFlow.ts"
import type { EgressGuard } from "../shared/Egress.ts"
import { ProviderClient } from "../shared/ProviderClient.ts"
import * as WooClient from "./WooClient.ts"
import * as Woo from "./WooContract.ts"
import { WooCredentials } from "./WooContract.ts"

/** What a reconnect keeps of the previous credentials: the secret the store's existing webhooks are signed with. */
const KeptSecret = Schema.Struct({ webhookSecret: Schema.String })

const refused = (code: string, detail: string) => Effect.fail(new ConnectRefused({ code, detail }))

export const connectAdapter = (options: {
  readonly appName: string
  readonly egress: EgressGuard["Service"]
  readonly client: ProviderClient["Service"]
}): ConnectAdapter => ({
  pkce: false,
  begin: (params) =>
    Effect.gen(function* () {
      const store = Woo.normalizeStoreUrl(params["store_url"])
      if (Option.isNone(store)) {
        return yield* refused(
          "invalid_store_url",
          "The store URL must be an absolute https:// URL without query or fragment."
        )
      }
      yield* options.egress.check(store.value).pipe(
        Effect.tapError((e) =>
          Effect.logWarning("store URL refused").pipe(Effect.annotateLogs({ reason: e.reason, host: e.host }))
        ),
        Effect.catchTag("EgressRefused", () =>
          refused("store_url_not_allowed", userMessage(new OAuthFlowError({ reason: "not_allowed" })))
        )
      )
      return {
        context: { storeUrl: store.value },
        consentUrl: (flow) =>
          Woo.authorizeUrl(store.value, {
            appName: options.appName,
            state: flow.state,
            returnUrl: `${flow.urls.base}/api/v1/auth/woocommerce/return`,
            callbackUrl: flow.redirectUri
          })
      }
    }),
  // Keys arrive server-to-server (`keys`); there is no authorization code to exchange.
  exchange: () => Effect.fail(new OAuthFlowError({ reason: "invalid_response" })),
  keys: {
    decode: (body) =>
      Effect.try(() => JSON.parse(Buffer.from(body).toString("utf8")) as unknown).pipe(
        Effect.flatMap(Woo.decodeCallback),
        Effect.map((keys) => ({
          state: String(keys.user_id),
          keys: {
            consumerKey: keys.consumer_key,
            consumerSecret: keys.consumer_secret,
            keyId: String(keys.key_id),
            permissions: keys.key_permissions
          }
        })),
        Effect.catch(() => refused("invalid_callback", "The body is not WooCommerce's key payload."))
      ),
    externalAccount: (pending) => pending.context["storeUrl"] ?? "",
    account: (pending, previous) => {
      const store = pending.context["storeUrl"] ?? ""
      const kept = Option.flatMap(previous, (p) =>
        Schema.decodeUnknownOption(KeptSecret)(Redacted.value(p.credentials))
      )
      const credentials: typeof WooCredentials.Type = {
        consumerKey: pending.context["consumerKey"] ?? "",
        consumerSecret: pending.context["consumerSecret"] ?? "",
        keyId: pending.context["keyId"] ?? "",
        permissions: pending.context["permissions"] ?? "",
        webhookSecret: Option.match(kept, {
          onNone: () => randomBytes(32).toString("base64url"),
          onSome: (c) => c.webhookSecret
        })
      }
      return {
        externalAccount: store,
        displayName: new URL(store).host,
        credentials: Redacted.make(credentials),
        tokenExpiresAt: undefined
      }
    }
  },
  afterConnect: (account, urls) =>
    Effect.gen(function* () {
      const credentials = yield* Schema.decodeUnknownEffect(WooCredentials)(Redacted.value(account.credentials))
      const result = yield* WooClient.registerWebhooks(
        { store: account.connection.externalAccount, credentials: account.credentials },
        urls.webhook("woocommerce", account.connection.id),
        Redacted.make(credentials.webhookSecret)
      )
      return result.registered
    }).pipe(Effect.provideService(ProviderClient, options.client))
})
