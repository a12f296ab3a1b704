/**
 * A purchase an organisation made on a marketplace (a G2A order), and how the status the marketplace reports
 * may move. Webhooks arrive late, twice or out of order, so a status update only ever moves forward:
 *
 *   pending → complete → refunded
 *   pending → canceled
 *
 * The same status again, or an older one, changes nothing ("unchanged"/"stale"); a move the machine does not
 * know (canceled → complete) is refused.
 */
import { Schema } from "effect"

export const PurchaseStatus = Schema.Literals(["pending", "complete", "canceled", "refunded"])
export type PurchaseStatus = typeof PurchaseStatus.Type

export class Purchase extends Schema.Class<Purchase>("Purchase")({
  id: Schema.String,
  provider: Schema.Literal("g2a"),
  externalOrderId: Schema.String,
  productId: Schema.String,
  price: Schema.Number,
  currency: Schema.String,
  status: PurchaseStatus,
  createdAt: Schema.String,
  updatedAt: Schema.String
}) {}

const next: Record<PurchaseStatus, ReadonlyArray<PurchaseStatus>> = {
  pending: ["complete", "canceled", "refunded"],
  complete: ["refunded"],
  canceled: [],
  refunded: []
}

/** Statuses a later one supersedes (an update to one of these is stale, not an error). */
const earlier: Record<PurchaseStatus, ReadonlyArray<PurchaseStatus>> = {
  pending: [],
  complete: ["pending"],
  canceled: ["pending"],
  refunded: ["pending", "complete"]
}

export type StatusDecision = "apply" | "unchanged" | "stale" | "illegal"

export const decide = (from: PurchaseStatus, to: PurchaseStatus): StatusDecision =>
  from === to ? "unchanged" : next[from].includes(to) ? "apply" : earlier[from].includes(to) ? "stale" : "illegal"

/** G2A's words for order states, mapped to ours (unknown words are not guessed at). */
export const fromG2AStatus = (status: string): PurchaseStatus | undefined => {
  switch (status.trim().toLowerCase()) {
    case "new":
    case "pending":
    case "processing":
      return "pending"
    case "complete":
    case "completed":
    case "paid":
      return "complete"
    case "canceled":
    case "cancelled":
    case "rejected":
      return "canceled"
    case "refunded":
      return "refunded"
    default:
      return undefined
  }
}
