/** AccountTokenRepository in process memory (unit tests); same contract as Postgres. */
import { Effect, Layer, Option, Ref } from "effect"
import { AccountTokenRepository, type StoredAccountToken } from "../../core/identity/ports/AccountTokenRepository.ts"

export const layer = Layer.effect(
  AccountTokenRepository,
  Effect.gen(function* () {
    const tokens = yield* Ref.make<ReadonlyMap<string, StoredAccountToken>>(new Map())
    return AccountTokenRepository.of({
      issue: (token) =>
        Ref.update(tokens, (all) => {
          const next = new Map(all)
          for (const [selector, t] of all)
            if (t.userId === token.userId && t.purpose === token.purpose && !t.used)
              next.set(selector, { ...t, used: true })
          return next.set(token.selector, { ...token, used: false })
        }),
      find: (selector) => Ref.get(tokens).pipe(Effect.map((all) => Option.fromNullishOr(all.get(selector)))),
      markUsed: (selector) =>
        Ref.modify(tokens, (all): readonly [boolean, ReadonlyMap<string, StoredAccountToken>] => {
          const token = all.get(selector)
          if (token === undefined || token.used) return [false, all]
          return [true, new Map(all).set(selector, { ...token, used: true })]
        })
    })
  })
)
