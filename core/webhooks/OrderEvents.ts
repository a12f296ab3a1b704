/**
 * What order webhooks do, for sources that speak our own event vocabulary (custom sources, Standard Webhooks):
 *   order.created   { data: { externalOrderId, lines: [{ sku, quantity, unitPriceCents? }], currency?, location? } }
 *   order.cancelled { data: { externalOrderId } }
 * Creating is idempotent on (organisation, connection, external id); unknown topics are ignored (and recorded).
 */
import { DateTime, Effect, Option, Schema } from "effect"
import { cancelHeld, ingest } from "../channels/ChannelOrders.ts"
import { OrderLine, Sku } from "../orders/Order.ts"
import type { OrderRepository } from "../orders/ports/OrderRepository.ts"
import type { ChannelCursors } from "../channels/ports/ChannelCursors.ts"
import type { PersistenceError } from "../shared/errors.ts"
import { type Applier, WebhookApplyError } from "./Pipeline.ts"

const Created = Schema.Struct({
  data: Schema.Struct({
    externalOrderId: Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(255))),
    lines: Schema.Array(
      Schema.Struct({
        sku: Sku,
        quantity: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000_000))),
        unitPriceCents: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))))
      })
    ).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(500))),
    currency: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{3}$/)))),
    location: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(64))))
  })
})
const Cancelled = Schema.Struct({ data: Schema.Struct({ externalOrderId: Schema.String }) })

const invalid = (what: string) => () => Effect.fail(new WebhookApplyError({ detail: `invalid ${what} payload` }))

export const applyOrderEvent: Applier<PersistenceError, OrderRepository | ChannelCursors> = (source, event) =>
  Effect.gen(function* () {
    switch (event.topic) {
      case "order.created": {
        const { data } = yield* Schema.decodeUnknownEffect(Created)(event.payload).pipe(
          Effect.catch(invalid("order.created"))
        )
        yield* ingest(source.organizationId, source.connectionId, {
          externalOrderId: data.externalOrderId,
          name: data.externalOrderId,
          lines: data.lines.map(
            (l) => new OrderLine({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents ?? 0 })
          ),
          currency: data.currency ?? "EUR",
          location: data.location,
          cancelled: false,
          fulfilled: false,
          updatedAt: yield* DateTime.now
        }).pipe(
          Effect.catchTag("ChannelOrderRejected", (e) => Effect.fail(new WebhookApplyError({ detail: e.detail })))
        )
        return "applied" as const
      }
      case "order.cancelled": {
        const { data } = yield* Schema.decodeUnknownEffect(Cancelled)(event.payload).pipe(
          Effect.catch(invalid("order.cancelled"))
        )
        const outcome = yield* cancelHeld(source.organizationId, source.connectionId, data.externalOrderId).pipe(
          Effect.catchTag("ChannelOrderRejected", (e) => Effect.fail(new WebhookApplyError({ detail: e.detail })))
        )
        // The creation may simply not have arrived yet: ask the sender to retry rather than lose the cancellation.
        if (Option.isNone(outcome))
          return yield* new WebhookApplyError({
            detail: `no order ${data.externalOrderId} from this source yet`,
            retryable: true
          })
        return "applied" as const
      }
      default:
        return "ignored" as const
    }
  })
