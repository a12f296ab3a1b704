/**
 * What order webhooks do, for sources that speak our own event vocabulary (custom sources, Standard Webhooks):
 *   order.created   { data: { externalOrderId, lines: [{ sku, quantity, unitPriceCents? }], currency?, location? } }
 *   order.cancelled { data: { externalOrderId } }
 * Creating is idempotent on (organisation, connection, external id); unknown topics are ignored (and recorded).
 */
import { DateTime, Effect, Result, Schema } from "effect"
import { cancelChange, type ChannelOrderRejected, ingestOutcome, planIngest } from "../channels/ChannelOrders.ts"
import type { OrderChange } from "../channels/OrderChange.ts"
import { OrderLine, Sku } from "../orders/Order.ts"
import type { OrderRepository } from "../orders/ports/OrderRepository.ts"
import type { ChannelCursors } from "../channels/ports/ChannelCursors.ts"
import type { PersistenceError } from "../shared/errors.ts"
import { type Applier, type Application, run, WebhookApplyError } from "./Pipeline.ts"

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

const refused = (e: ChannelOrderRejected) => new WebhookApplyError({ detail: e.detail })

/** An order change whose refusals fail the delivery; anything else applies it. */
const change = (
  externalOrderId: string,
  orderChange: OrderChange,
  whenMissing?: () => WebhookApplyError
): Application<never, never> => ({
  _tag: "Change",
  change: orderChange,
  outcome: (result) =>
    result.result === "missing" && whenMissing !== undefined
      ? Effect.fail(whenMissing())
      : ingestOutcome(externalOrderId, orderChange, result).pipe(
          Effect.as("applied" as const),
          Effect.mapError(refused)
        )
})

export const applyOrderEvent: Applier<PersistenceError, OrderRepository | ChannelCursors> = (source, event) =>
  Effect.gen(function* () {
    switch (event.topic) {
      case "order.created": {
        const { data } = yield* Schema.decodeUnknownEffect(Created)(event.payload).pipe(
          Effect.catch(invalid("order.created"))
        )
        const planned = planIngest(source.connectionId, {
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
        })
        if (Result.isFailure(planned)) return yield* Effect.fail(refused(planned.failure))
        return change(data.externalOrderId, planned.success)
      }
      case "order.cancelled": {
        const { data } = yield* Schema.decodeUnknownEffect(Cancelled)(event.payload).pipe(
          Effect.catch(invalid("order.cancelled"))
        )
        // The creation may simply not have arrived yet: ask the sender to retry rather than lose the cancellation.
        return change(
          data.externalOrderId,
          cancelChange(data.externalOrderId, "retry"),
          () =>
            new WebhookApplyError({ detail: `no order ${data.externalOrderId} from this source yet`, retryable: true })
        )
      }
      default:
        return yield* run(Effect.succeed("ignored" as const))
    }
  })
