/**
 * Port: the deployment's G2A account as a marketplace — products and their offers, and placing an order (the
 * irreversible part only: a timeout, 5xx or garbled answer is `outcome_unknown`, anything else means G2A did not
 * create it). `account` is none when G2A is not configured; every operation then fails `not_configured`.
 */
import { Context, type Effect, type Option, type Redacted } from "effect"
import type { G2AError, G2AOrder, G2AProduct, G2AProductPage, OrderRequest, ProductQuery } from "../Marketplace.ts"

export interface OfferExpectation {
  readonly price?: number | undefined
  readonly quantity?: number | undefined
}

export class G2AMarketplace extends Context.Service<
  G2AMarketplace,
  {
    readonly account: Option.Option<{
      readonly id: string
      readonly webhookSecrets: ReadonlyArray<Redacted.Redacted<string>>
    }>
    readonly listProducts: (query: ProductQuery) => Effect.Effect<G2AProductPage, G2AError>
    readonly getProduct: (id: string) => Effect.Effect<G2AProduct, G2AError>
    readonly checkOffer: (id: string, expectation: OfferExpectation) => Effect.Effect<G2AProduct, G2AError>
    readonly placeOrder: (order: OrderRequest) => Effect.Effect<G2AOrder, G2AError>
  }
>()("tradeport/core/marketplace/ports/G2AMarketplace") {}
