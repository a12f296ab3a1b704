/**
 * Shopify app settings, read and validated once at startup (every problem named at once):
 *
 * - `SHOPIFY_CLIENT_ID` / `SHOPIFY_CLIENT_SECRET`: the app's credentials (Shopify enabled when the id is set).
 *   `SHOPIFY_CLIENT_SECRET_PREVIOUS` keeps webhooks from the previous secret verifiable while it is rotated.
 * - `SHOPIFY_SCOPES`: the exact scopes asked for (default `read_orders,read_products,read_inventory`); a callback
 *   granting fewer is refused.
 * - `SHOPIFY_API_VERSION`: the Admin API version (`YYYY-MM`, quarterly).
 * - `SHOPIFY_SHOP_URL`: where a shop is reached, `https://{shop}` (the only value production accepts);
 *   development and tests may point it at a fake on loopback (`http://127.0.0.1:4000/shops/{shop}`).
 */
import { Config, Effect, Option, Redacted } from "effect"

export interface ShopifySettings {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly previousSecret: Option.Option<Redacted.Redacted<string>>
  readonly scopes: ReadonlyArray<string>
  readonly apiVersion: string
  readonly shopUrlTemplate: string
}

export const DEFAULT_SCOPES = "read_orders,read_products,read_inventory"
export const DEFAULT_API_VERSION = "2026-10"
export const DEFAULT_SHOP_URL = "https://{shop}"

const optional = <A>(config: Config.Config<A>) => Config.option(config).pipe(Effect.orElseSucceed(() => Option.none<A>()))

const LOOPBACK_TEMPLATE = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}(\/[\w.-]+)*\/\{shop\}$/

export const load = (appEnv: "development" | "test" | "production") =>
  Effect.gen(function*() {
    const problems: Array<string> = []
    const clientId = yield* optional(Config.String("SHOPIFY_CLIENT_ID"))
    if (Option.isNone(clientId) || clientId.value.trim() === "") return { settings: Option.none<ShopifySettings>(), problems }
    const secret = yield* optional(Config.Redacted("SHOPIFY_CLIENT_SECRET"))
    if (Option.isNone(secret) || Redacted.value(secret.value).trim() === "") problems.push("SHOPIFY_CLIENT_SECRET is required with SHOPIFY_CLIENT_ID")
    const previousSecret = yield* optional(Config.Redacted("SHOPIFY_CLIENT_SECRET_PREVIOUS"))
    const scopes = (yield* Config.String("SHOPIFY_SCOPES").pipe(Config.withDefault(DEFAULT_SCOPES)))
      .split(",").map((s) => s.trim()).filter((s) => s.length > 0)
    if (scopes.length === 0 || !scopes.every((s) => /^(unauthenticated_)?(read|write)_[a-z_]+$/.test(s))) {
      problems.push("SHOPIFY_SCOPES must be a comma-separated list of Shopify access scopes (read_orders,…)")
    }
    const apiVersion = yield* Config.String("SHOPIFY_API_VERSION").pipe(Config.withDefault(DEFAULT_API_VERSION))
    if (!/^20\d\d-(01|04|07|10)$/.test(apiVersion)) problems.push("SHOPIFY_API_VERSION must be a Shopify API version (YYYY-01|04|07|10)")
    const template = (yield* Config.String("SHOPIFY_SHOP_URL").pipe(Config.withDefault(DEFAULT_SHOP_URL))).replace(/\/+$/, "")
    if (template !== DEFAULT_SHOP_URL && (appEnv === "production" || !LOOPBACK_TEMPLATE.test(template))) {
      problems.push(appEnv === "production"
        ? "SHOPIFY_SHOP_URL must be https://{shop} in production"
        : "SHOPIFY_SHOP_URL must be https://{shop} or a loopback fake such as http://127.0.0.1:4000/shops/{shop}")
    }
    if (problems.length > 0 || Option.isNone(secret)) return { settings: Option.none<ShopifySettings>(), problems }
    const settings: ShopifySettings = {
      clientId: clientId.value.trim(),
      clientSecret: secret.value,
      previousSecret: Option.filter(previousSecret, (s) => Redacted.value(s).trim() !== ""),
      scopes,
      apiVersion,
      shopUrlTemplate: template
    }
    return { settings: Option.some(settings), problems }
  })
