/** Port: marketplace purchases, always within one organisation. */
import { Context, type Effect, type Option } from "effect"
import type { PersistenceError } from "../../shared/errors.ts"
import type { OrgId, UserId } from "../../shared/Ids.ts"
import type { Purchase, PurchaseStatus, StatusDecision } from "../Purchase.ts"

export interface NewPurchase {
  readonly provider: "g2a"
  /** The marketplace account the order was placed with (the deployment's account id, or a connection id). */
  readonly accountId: string
  readonly externalOrderId: string
  readonly productId: string
  readonly price: number
  readonly currency: string
  readonly createdBy: UserId | undefined
}

export class PurchaseRepository extends Context.Service<
  PurchaseRepository,
  {
    readonly record: (organizationId: OrgId, purchase: NewPurchase) => Effect.Effect<Purchase, PersistenceError>
    /**
     * Which organisation made this purchase (a platform lookup: webhooks to the deployment's marketplace account
     * carry an order id, not an organisation).
     */
    readonly ownerOf: (
      provider: "g2a",
      accountId: string,
      externalOrderId: string
    ) => Effect.Effect<Option.Option<OrgId>, PersistenceError>
    readonly list: (organizationId: OrgId, limit: number) => Effect.Effect<ReadonlyArray<Purchase>, PersistenceError>
    /**
     * Moves a purchase to `status` if the status machine allows it, under a row lock (concurrent updates are
     * serialised). None when the organisation has no such purchase.
     */
    readonly updateStatus: (
      organizationId: OrgId,
      provider: "g2a",
      accountId: string,
      externalOrderId: string,
      status: PurchaseStatus
    ) => Effect.Effect<
      Option.Option<{ readonly decision: StatusDecision; readonly purchase: Purchase }>,
      PersistenceError
    >
  }
>()("tradeport/core/marketplace/ports/PurchaseRepository") {}
