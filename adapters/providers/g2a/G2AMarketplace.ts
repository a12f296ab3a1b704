/** The G2AMarketplace port over the G2A client (the client also serves the token probe and the Import API). */
import { Effect, Layer } from "effect"
import { G2AMarketplace } from "../../../core/marketplace/ports/G2AMarketplace.ts"
import { G2AClient } from "./G2AClient.ts"

export const layer = Layer.effect(
  G2AMarketplace,
  Effect.gen(function* () {
    const client = yield* G2AClient
    return G2AMarketplace.of({
      account: client.account,
      listProducts: client.listProducts,
      getProduct: client.getProduct,
      checkOffer: client.checkOffer,
      placeOrder: client.placeOrder
    })
  })
)
