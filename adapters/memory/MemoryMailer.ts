/**
 * Mailer in process memory: keeps every message "sent" (newest last) for tests that need no SMTP; same contract as
 * the SMTP adapter. `Outbox` reads what was sent.
 */
import { Context, Effect, Layer, Ref } from "effect"
import { type Mail, Mailer } from "../../core/notifications/ports/Mailer.ts"

export class Outbox extends Context.Service<Outbox, { readonly sent: Effect.Effect<ReadonlyArray<Mail>> }>()(
  "tradeport/adapters/memory/MemoryMailer/Outbox"
) {}

export const layer = Layer.effectContext(
  Effect.gen(function* () {
    const sent = yield* Ref.make<ReadonlyArray<Mail>>([])
    return Context.make(Mailer, Mailer.of({ send: (mail) => Ref.update(sent, (all) => [...all, mail]) })).pipe(
      Context.add(Outbox, Outbox.of({ sent: Ref.get(sent) }))
    )
  })
)
