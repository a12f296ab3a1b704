/** AccountTokenRepository in process memory (unit tests); same contract as Postgres. */
import { Effect, Layer, Option, Ref } from "effect"
import {
  AccountTokenRepository,
  type StoredAccountToken,
  type TokenSubject
} from "../../core/identity/ports/AccountTokenRepository.ts"
import { onRollback } from "./UnitOfWork.ts"

/** Whom a token is for: a user, or the address of a pending sign-up (an older link for the same is retired). */
const keyOf = (subject: TokenSubject) => (subject._tag === "User" ? subject.userId : `sign-up:${subject.signUp.email}`)

export const layer = Layer.effect(
  AccountTokenRepository,
  Effect.gen(function* () {
    /** In the order issued. */
    const tokens = yield* Ref.make<ReadonlyMap<string, StoredAccountToken>>(new Map())
    return AccountTokenRepository.of({
      issue: (token) =>
        Ref.update(tokens, (all) => {
          const next = new Map(all)
          for (const [selector, t] of all)
            if (keyOf(t.subject) === keyOf(token.subject) && t.purpose === token.purpose && !t.used)
              next.set(selector, { ...t, used: true })
          return next.set(token.selector, { ...token, used: false })
        }),
      find: (selector) => Ref.get(tokens).pipe(Effect.map((all) => Option.fromNullishOr(all.get(selector)))),
      markUsed: (selector) =>
        Ref.modify(tokens, (all): readonly [boolean, ReadonlyMap<string, StoredAccountToken>] => {
          const token = all.get(selector)
          if (token === undefined || token.used) return [false, all]
          return [true, new Map(all).set(selector, { ...token, used: true })]
        }).pipe(
          // Spent inside a unit of work that fails: the link works again.
          Effect.tap((spent) =>
            spent
              ? onRollback(
                  Ref.update(tokens, (all) => {
                    const token = all.get(selector)
                    return token === undefined ? all : new Map(all).set(selector, { ...token, used: false })
                  })
                )
              : Effect.void
          )
        ),
      pendingSignUp: (email) =>
        Ref.get(tokens).pipe(
          Effect.map((all) => {
            const pending = [...all.values()].filter(
              (t) =>
                t.purpose === "sign_up" && !t.used && t.subject._tag === "SignUp" && t.subject.signUp.email === email
            )
            const newest = pending.at(-1)?.subject
            return Option.fromNullishOr(newest?._tag === "SignUp" ? newest.signUp : undefined)
          })
        )
    })
  })
)
