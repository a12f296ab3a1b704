/**
 * The provider catalogue: the one list of provider registrations. Adding a provider is a folder under
 * adapters/providers/ and one line here. Every registration's settings problems are reported together at startup.
 */
import { Effect, Layer } from "effect"
import * as AmazonAds from "../../adapters/providers/amazon/provider.ts"
import * as Custom from "../../adapters/providers/custom/provider.ts"
import * as Dhl from "../../adapters/providers/dhl/provider.ts"
import * as FedEx from "../../adapters/providers/fedex/provider.ts"
import * as G2A from "../../adapters/providers/g2a/provider.ts"
import * as Shopify from "../../adapters/providers/shopify/provider.ts"
import * as Ups from "../../adapters/providers/ups/provider.ts"
import * as WooCommerce from "../../adapters/providers/woocommerce/provider.ts"
import { ProviderCatalogue } from "../../core/providers/ports/ProviderCatalogue.ts"
import { AppEnv, StartupError } from "./Environment.ts"

const registrations = (appEnv: string) =>
  Effect.all([
    Shopify.register(appEnv),
    WooCommerce.register(appEnv),
    G2A.register(appEnv),
    FedEx.register(appEnv),
    Dhl.register(appEnv),
    Ups.register(appEnv),
    AmazonAds.register(appEnv),
    Custom.register(appEnv)
  ])

export const CatalogueLive = Layer.effect(
  ProviderCatalogue,
  Effect.gen(function* () {
    const appEnv = yield* AppEnv
    const registered = yield* registrations(appEnv)
    const problems = registered.flatMap((r) => r.problems)
    if (problems.length > 0) return yield* new StartupError({ problems })
    return yield* ProviderCatalogue.fromRegistrations(registered.map((r) => r.provider))
  })
)
