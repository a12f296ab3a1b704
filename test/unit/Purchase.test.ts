/** Marketplace purchase statuses only move forward, whatever order webhooks arrive in. */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { decide, fromG2AStatus, type PurchaseStatus } from "../../core/marketplace/Purchase.ts"

const ALL: ReadonlyArray<PurchaseStatus> = ["pending", "complete", "canceled", "refunded"]

describe("purchase status machine", () => {
  it("decides every pair", () => {
    const table = Object.fromEntries(ALL.map((from) => [from, ALL.map((to) => decide(from, to))]))
    assert.deepStrictEqual(table, {
      pending: ["unchanged", "apply", "apply", "apply"],
      complete: ["stale", "unchanged", "illegal", "apply"],
      canceled: ["stale", "illegal", "unchanged", "illegal"],
      refunded: ["stale", "stale", "illegal", "unchanged"]
    })
  })

  it("any permutation of any updates, applied as decided, ends in the same state as applying them in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...ALL), { maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        (updates, seeds) => {
          const run = (sequence: ReadonlyArray<PurchaseStatus>) =>
            sequence.reduce<PurchaseStatus>((state, to) => (decide(state, to) === "apply" ? to : state), "pending")
          const shuffled = [...updates]
          const it = seeds[Symbol.iterator]()
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = it.next().value! % (i + 1)
            ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
          }
          // Without cancellations racing completions, the order of arrival never matters.
          if (updates.includes("canceled") && (updates.includes("complete") || updates.includes("refunded"))) return
          assert.strictEqual(run(shuffled), run(updates))
        }
      )
    )
  })

  it("maps G2A's words and refuses to guess", () => {
    assert.strictEqual(fromG2AStatus("Completed"), "complete")
    assert.strictEqual(fromG2AStatus("cancelled"), "canceled")
    assert.strictEqual(fromG2AStatus("new"), "pending")
    assert.isUndefined(fromG2AStatus("teleported"))
  })
})
