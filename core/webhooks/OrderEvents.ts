/**
 * What order webhooks do, for sources that speak our own event vocabulary (custom sources, Standard Webhooks):
 *   order.created   { data: { externalOrderId, lines: [{ sku, quantity, unitPriceCents? }], currency?, location? } }
 *   order.cancelled { data: { externalOrderId } }
 * Creating is idempotent on (organisation, connection, external id); unknown topics are ignored (and recorded).
 */
import { Effect, Option, Schema } from "effect"
import { OutOfStock, UnknownSku } from "../inventory/Inventory.ts"
import { OrderLine, Sku } from "../orders/Order.ts"
import * as Orders from "../orders/Orders.ts"
import { OrderRepository } from "../orders/ports/OrderRepository.ts"
import type { PersistenceError } from "../shared/errors.ts"
import { type Applier, WebhookApplyError } from "./Pipeline.ts"

const Created = Schema.Struct({
  data: Schema.Struct({
    externalOrderId: Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(255))),
    lines: Schema.Array(Schema.Struct({
      sku: Sku,
      quantity: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000_000))),
      unitPriceCents: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))))
    })).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(500))),
    currency: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{3}$/)))),
    location: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(64))))
  })
})
const Cancelled = Schema.Struct({ data: Schema.Struct({ externalOrderId: Schema.String }) })

const invalid = (what: string) => () => Effect.fail(new WebhookApplyError({ detail: `invalid ${what} payload` }))

export const applyOrderEvent: Applier<PersistenceError, OrderRepository> = (source, event) =>
  Effect.gen(function*() {
    switch (event.topic) {
      case "order.created": {
        const { data } = yield* Schema.decodeUnknownEffect(Created)(event.payload).pipe(Effect.catch(invalid("order.created")))
        yield* Orders.create(source.organizationId, {
          lines: data.lines.map((l) => new OrderLine({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents ?? 0 })),
          currency: data.currency,
          location: data.location
        }, { kind: "channel", connectionId: source.connectionId, externalOrderId: data.externalOrderId }).pipe(
          Effect.catchIf(
            (e): e is OutOfStock | UnknownSku => e instanceof OutOfStock || e instanceof UnknownSku,
            (e) => Effect.fail(new WebhookApplyError({ detail: e._tag === "OutOfStock" ? `out of stock: ${e.sku}` : `unknown SKU(s): ${e.skus.join(", ")}` }))
          )
        )
        return "applied" as const
      }
      case "order.cancelled": {
        const { data } = yield* Schema.decodeUnknownEffect(Cancelled)(event.payload).pipe(Effect.catch(invalid("order.cancelled")))
        const repository = yield* OrderRepository
        const order = yield* repository.findByExternal(source.organizationId, source.connectionId, data.externalOrderId)
        // The creation may simply not have arrived yet: ask the sender to retry rather than lose the cancellation.
        if (Option.isNone(order)) return yield* new WebhookApplyError({ detail: `no order ${data.externalOrderId} from this source yet`, retryable: true })
        if (order.value.status === "cancelled") return "applied" as const
        yield* repository.apply(source.organizationId, order.value.id, "cancel").pipe(
          Effect.catchTag("IllegalTransition", (e) => Effect.fail(new WebhookApplyError({ detail: `cannot cancel an order that is ${e.from}` }))),
          Effect.catchTag("OrderNotFound", () => Effect.fail(new WebhookApplyError({ detail: "order vanished" })))
        )
        return "applied" as const
      }
      default:
        return "ignored" as const
    }
  })
