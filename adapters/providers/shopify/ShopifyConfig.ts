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
 *
 * A variable that is set is validated even while Shopify is off: a bad value stops startup, naming it.
 */
import { Config, Effect, Option, Redacted, Result } from "effect"
import { type Check, collectInto, matching, optionalConfig, optionalText } from "../shared/StrictConfig.ts"

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

const LOOPBACK_TEMPLATE = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}(\/[\w.-]+)*\/\{shop\}$/

const scopeList: Check<ReadonlyArray<string>> = (raw) => {
  const scopes = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  return scopes.length > 0 && scopes.every((s) => /^(unauthenticated_)?(read|write)_[a-z_]+$/.test(s))
    ? Result.succeed(scopes)
    : Result.fail("must be a comma-separated list of Shopify access scopes (read_orders,…)")
}

const apiVersion = matching(/^20\d\d-(01|04|07|10)$/, "a Shopify API version (YYYY-01|04|07|10)")

const shopUrl =
  (appEnv: "development" | "test" | "production"): Check<string> =>
  (raw) => {
    const template = raw.replace(/\/+$/, "")
    if (template === DEFAULT_SHOP_URL || (appEnv !== "production" && LOOPBACK_TEMPLATE.test(template))) {
      return Result.succeed(template)
    }
    return Result.fail(
      appEnv === "production"
        ? "must be https://{shop} in production"
        : "must be https://{shop} or a loopback fake such as http://127.0.0.1:4000/shops/{shop}"
    )
  }

/**
 * Every variable that is set is validated, whether or not Shopify is enabled; `Option.none()` settings when
 * `SHOPIFY_CLIENT_ID` is unset.
 */
export const load = (appEnv: "development" | "test" | "production") =>
  Effect.gen(function* () {
    const problems: Array<string> = []
    const collect = collectInto(problems)
    const clientId = collect(yield* optionalConfig(Config.String("SHOPIFY_CLIENT_ID"))).pipe(
      Option.filter((id) => id.trim() !== "")
    )
    const secret = collect(yield* optionalConfig(Config.Redacted("SHOPIFY_CLIENT_SECRET")))
    const previousSecret = collect(yield* optionalConfig(Config.Redacted("SHOPIFY_CLIENT_SECRET_PREVIOUS")))
    if (Option.isSome(clientId) && (Option.isNone(secret) || Redacted.value(secret.value).trim() === "")) {
      problems.push("SHOPIFY_CLIENT_SECRET is required with SHOPIFY_CLIENT_ID")
    }
    const scopes = collect(yield* optionalText("SHOPIFY_SCOPES", scopeList))
    const version = collect(yield* optionalText("SHOPIFY_API_VERSION", apiVersion))
    const template = collect(yield* optionalText("SHOPIFY_SHOP_URL", shopUrl(appEnv)))
    if (problems.length > 0 || Option.isNone(clientId) || Option.isNone(secret)) {
      return { settings: Option.none<ShopifySettings>(), problems }
    }
    const settings: ShopifySettings = {
      clientId: clientId.value.trim(),
      clientSecret: secret.value,
      previousSecret: Option.filter(previousSecret, (s) => Redacted.value(s).trim() !== ""),
      scopes: Option.getOrElse(scopes, () => DEFAULT_SCOPES.split(",")),
      apiVersion: Option.getOrElse(version, () => DEFAULT_API_VERSION),
      shopUrlTemplate: Option.getOrElse(template, () => DEFAULT_SHOP_URL)
    }
    return { settings: Option.some(settings), problems }
  })
