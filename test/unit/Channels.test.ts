/**
 * Sales channels, pure parts: the Shopify shop-domain rule and redirect HMAC (all parameters, escaping, repeats),
 * scopes, money and id mapping, configuration per environment; WooCommerce store URLs, statuses and the webhook
 * policy; and zero false accepts over mutated webhook deliveries for both.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Effect, Exit, Option, Redacted, Result } from "effect"
import fc from "fast-check"
import { createHmac } from "node:crypto"
import * as ShopifyConfig from "../../adapters/providers/shopify/ShopifyConfig.ts"
import * as Shopify from "../../adapters/providers/shopify/ShopifyContract.ts"
import * as ShopifyWebhook from "../../adapters/providers/shopify/webhook.ts"
import * as Woo from "../../adapters/providers/woocommerce/WooContract.ts"
import type { SignaturePolicy } from "../../core/webhooks/Webhook.ts"

const SECRET = "hush"

describe("Shopify contract", () => {
  it("accepts only {name}.myshopify.com shop domains", () => {
    assert.deepStrictEqual(Shopify.normalizeShop(" Demo-Store.MyShopify.com "), Option.some("demo-store.myshopify.com"))
    for (const shop of [
      "demo.myshopify.com.evil.com",
      "evil.com",
      "-demo.myshopify.com",
      "demo.myshopify.com/",
      "https://demo.myshopify.com",
      "demo..myshopify.com",
      "127.0.0.1",
      "demo.myshopify.co",
      ""
    ]) {
      assert.isTrue(Option.isNone(Shopify.normalizeShop(shop)), shop)
    }
  })

  it("signs every parameter but hmac/signature, sorted, with Shopify's escaping and repeated names as arrays", () => {
    assert.strictEqual(
      Shopify.queryHmacMessage([
        ["shop", "a.myshopify.com"],
        ["hmac", "x"],
        ["code", "c&d%e"],
        ["signature", "y"],
        ["a=b", "1"],
        ["ids[]", "2"],
        ["ids[]", "3"]
      ]),
      'a%3Db=1&code=c%26d%25e&ids[]=["2", "3"]&shop=a.myshopify.com'
    )
    const params: Array<[string, string]> = [
      ["code", "0907a61c0c8d55e99db179b68161bc00"],
      ["shop", "some-shop.myshopify.com"],
      ["state", "0.6784241404160823"],
      ["timestamp", "1337178173"]
    ]
    const hmac = createHmac("sha256", SECRET)
      .update(params.map(([k, v]) => `${k}=${v}`).join("&"))
      .digest("hex")
    assert.isTrue(Shopify.verifyQueryHmac([...params, ["hmac", hmac]], [Redacted.make(SECRET)]))
    assert.isTrue(
      Shopify.verifyQueryHmac([...params, ["hmac", hmac]], [Redacted.make("new"), Redacted.make(SECRET)]),
      "previous secret while rotating"
    )
    // A parameter added after signing, a changed value, a second hmac, or none: refused.
    assert.isFalse(Shopify.verifyQueryHmac([...params, ["host", "x"], ["hmac", hmac]], [Redacted.make(SECRET)]))
    assert.isFalse(
      Shopify.verifyQueryHmac([["code", "other"], ...params.slice(1), ["hmac", hmac]], [Redacted.make(SECRET)])
    )
    assert.isFalse(Shopify.verifyQueryHmac([...params, ["hmac", hmac], ["hmac", hmac]], [Redacted.make(SECRET)]))
    assert.isFalse(Shopify.verifyQueryHmac(params, [Redacted.make(SECRET)]))
  })

  it("scopes: a write scope implies its read scope; fewer than asked are reported", () => {
    assert.deepStrictEqual(Shopify.missingScopes(["read_orders", "read_products"], "write_orders,read_products"), [])
    assert.deepStrictEqual(Shopify.missingScopes(["read_orders", "read_inventory"], "read_orders"), ["read_inventory"])
    assert.deepStrictEqual(Shopify.missingScopes(["read_orders"], undefined), ["read_orders"])
  })

  it("maps ids without losing digits, money without floating point, and skips lines without SKU", () => {
    assert.deepStrictEqual(
      Shopify.legacyId("gid://shopify/Order/820982911946154508"),
      Option.some("820982911946154508")
    )
    assert.isTrue(Option.isNone(Shopify.legacyId("gid://shopify/Product/1")))
    assert.deepStrictEqual(
      [
        Shopify.moneyToCents("19.99"),
        Shopify.moneyToCents("0.1"),
        Shopify.moneyToCents("5"),
        Shopify.moneyToCents("-1")
      ],
      [Option.some(1999), Option.some(10), Option.some(500), Option.none()]
    )
    const mapped = Shopify.orderFromWebhook({
      admin_graphql_api_id: "gid://shopify/Order/820982911946154508",
      name: "#1001",
      currency: "EUR",
      updated_at: "2026-11-22T10:00:00+01:00",
      cancelled_at: null,
      line_items: [
        { sku: "A", quantity: 2, price: "1.50" },
        { sku: null, quantity: 1, price: "3.00" },
        { sku: "", quantity: 1, price: "1" }
      ]
    })
    assert.isTrue(Result.isSuccess(mapped))
    if (Result.isSuccess(mapped)) {
      assert.strictEqual(mapped.success.externalOrderId, "820982911946154508")
      assert.deepStrictEqual(
        mapped.success.lines.map((l) => [l.sku, l.quantity, l.unitPriceCents]),
        [["A", 2, 150]]
      )
      assert.strictEqual(DateTime.formatIso(mapped.success.updatedAt), "2026-11-22T09:00:00.000Z")
    }
  })

  const load = (env: Record<string, string>, appEnv: "development" | "production") =>
    ShopifyConfig.load(appEnv).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))

  it.effect(
    "configuration: off without a client id; every problem named; production only talks to https://{shop}",
    () =>
      Effect.gen(function* () {
        assert.isTrue(Option.isNone((yield* load({}, "production")).settings))
        const bad = yield* load(
          {
            SHOPIFY_CLIENT_ID: "id",
            SHOPIFY_SCOPES: "orders",
            SHOPIFY_API_VERSION: "2026-02",
            SHOPIFY_SHOP_URL: "http://127.0.0.1:9/shops/{shop}"
          },
          "production"
        )
        assert.strictEqual(bad.problems.length, 4, bad.problems.join("; "))
        const dev = yield* load(
          { SHOPIFY_CLIENT_ID: "id", SHOPIFY_CLIENT_SECRET: "s", SHOPIFY_SHOP_URL: "http://127.0.0.1:9/shops/{shop}" },
          "development"
        )
        assert.deepStrictEqual(dev.problems, [])
        assert.strictEqual(Option.getOrThrow(dev.settings).shopUrlTemplate, "http://127.0.0.1:9/shops/{shop}")
        const elsewhere = yield* load(
          { SHOPIFY_CLIENT_ID: "id", SHOPIFY_CLIENT_SECRET: "s", SHOPIFY_SHOP_URL: "http://10.0.0.1/{shop}" },
          "development"
        )
        assert.strictEqual(elsewhere.problems.length, 1)
      })
  )
})

describe("WooCommerce contract", () => {
  it("normalises store URLs and refuses what is not one", () => {
    assert.deepStrictEqual(Woo.normalizeStoreUrl("https://Shop.Example.com/"), Option.some("https://shop.example.com"))
    assert.deepStrictEqual(
      Woo.normalizeStoreUrl("https://example.com/store/"),
      Option.some("https://example.com/store")
    )
    for (const url of [
      "shop.example.com",
      "ftp://x.example",
      "https://u:p@x.example",
      "https://x.example/?a=1",
      "https://x.example/#f",
      "javascript:alert(1)"
    ]) {
      assert.isTrue(Option.isNone(Woo.normalizeStoreUrl(url)), url)
    }
  })

  it("maps sold, unsold and not-yet-paid statuses; GMT dates without a zone are UTC", () => {
    const order = (status: string) =>
      Woo.toChannelOrder({
        id: 7,
        status,
        currency: "EUR",
        date_modified_gmt: "2026-11-22T10:00:00",
        line_items: [{ sku: "A", quantity: 1, price: 2.5 }]
      })
    const sold = order("processing")
    assert.isTrue(
      Result.isSuccess(sold) &&
        Option.isSome(sold.success) &&
        !sold.success.value.cancelled &&
        sold.success.value.lines[0]!.unitPriceCents === 250
    )
    const refunded = order("refunded")
    assert.isTrue(Result.isSuccess(refunded) && Option.isSome(refunded.success) && refunded.success.value.cancelled)
    const pending = order("pending")
    assert.isTrue(Result.isSuccess(pending) && Option.isNone(pending.success))
    if (Result.isSuccess(sold) && Option.isSome(sold.success))
      assert.strictEqual(DateTime.formatIso(sold.success.value.updatedAt), "2026-11-22T10:00:00.000Z")
  })
})

/** Mutations of a genuine delivery: body bytes, signature, secret, headers. None may verify. */
const mutatedDeliveries = (
  policy: SignaturePolicy,
  genuine: { readonly body: string; readonly headers: Record<string, string> },
  signatureHeader: string
) =>
  Effect.gen(function* () {
    const verify = (body: string, headers: Record<string, string>, secret = SECRET) =>
      policy
        .verify({ provider: policy.provider, rawBody: Buffer.from(body), headers, receivedAt: DateTime.nowUnsafe() }, [
          Redacted.make(secret)
        ])
        .pipe(Effect.exit)
    assert.isTrue(Exit.isSuccess(yield* verify(genuine.body, genuine.headers)), "the genuine delivery verifies")
    let accepted = 0
    const samples = fc.sample(
      fc.tuple(
        fc.nat({ max: genuine.body.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.nat({ max: 3 }),
        fc.string({ minLength: 1, maxLength: 8 })
      ),
      1100
    )
    for (const [position, delta, kind, noise] of samples) {
      const bytes = Buffer.from(genuine.body)
      bytes[position] = (bytes[position]! + delta) % 256
      const exit =
        kind === 0
          ? yield* verify(bytes.toString("latin1"), genuine.headers)
          : kind === 1
            ? yield* verify(genuine.body, {
                ...genuine.headers,
                [signatureHeader]: Buffer.from(
                  Buffer.from(genuine.headers[signatureHeader]!, "base64").map((b, i) =>
                    i === position % 32 ? (b + delta) % 256 : b
                  )
                ).toString("base64")
              })
            : kind === 2
              ? yield* verify(genuine.body, genuine.headers, SECRET + noise)
              : yield* verify(genuine.body + noise, genuine.headers)
      if (Exit.isSuccess(exit)) accepted++
    }
    assert.strictEqual(accepted, 0)
  })

describe("channel webhook signatures", () => {
  const body = JSON.stringify({
    id: 42,
    admin_graphql_api_id: "gid://shopify/Order/42",
    name: "#1",
    currency: "EUR",
    updated_at: "2026-11-22T10:00:00Z",
    cancelled_at: null,
    date_modified_gmt: "2026-11-22T10:00:00",
    status: "processing",
    line_items: [{ sku: "A", quantity: 1, price: "1.00" }]
  })
  const signature = createHmac("sha256", SECRET).update(body).digest("base64")

  it.effect("Shopify: 0 of ≥1000 mutated deliveries accepted", () =>
    mutatedDeliveries(
      ShopifyWebhook.policy,
      {
        body,
        headers: {
          "x-shopify-hmac-sha256": signature,
          "x-shopify-webhook-id": "wh-1",
          "x-shopify-topic": "orders/create",
          "x-shopify-shop-domain": "a.myshopify.com"
        }
      },
      "x-shopify-hmac-sha256"
    )
  )

  it.effect("WooCommerce: 0 of ≥1000 mutated deliveries accepted", () =>
    mutatedDeliveries(
      Woo.policy,
      { body, headers: { "x-wc-webhook-signature": signature, "x-wc-webhook-topic": "order.created" } },
      "x-wc-webhook-signature"
    )
  )

  it("WooCommerce creation pings are recognised only when unsigned and exactly `webhook_id=N`", () => {
    assert.isTrue(Woo.isPing({}, Buffer.from("webhook_id=12")))
    assert.isFalse(Woo.isPing({ "x-wc-webhook-signature": "x" }, Buffer.from("webhook_id=12")))
    assert.isFalse(Woo.isPing({}, Buffer.from('{"id":1}')))
  })
})
