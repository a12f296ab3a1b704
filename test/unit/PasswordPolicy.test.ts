/** The password policy: its rules, and the use cases that set a password (registration, adding a member). */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { Email, OrganizationName, Password, WeakPassword } from "../../core/identity/Identity.ts"
import * as Members from "../../core/identity/Members.ts"
import { MAX_PASSWORD_LENGTH, refusalOf } from "../../core/identity/PasswordPolicy.ts"
import { Principal, SessionId } from "../../core/identity/Principal.ts"
import { register } from "../../core/identity/Registration.ts"
import { MemoryIdentity, signUpVerified } from "../support/MemoryIdentity.ts"

const signUp = (password: string, email = "owner@example.com") =>
  register({
    organizationName: OrganizationName.make("Acme"),
    email: Email.make(email),
    password: Redacted.make(Password.make(password))
  })

/** "ok", or the rule a WeakPassword names; any other failure fails the test. */
const outcome = <A, E, R>(effect: Effect.Effect<A, E | WeakPassword, R>) =>
  effect.pipe(
    Effect.as("ok"),
    Effect.catchIf(
      (e): e is WeakPassword => e instanceof WeakPassword,
      (e) => Effect.succeed(`WeakPassword:${e.reason}`)
    )
  )

describe("passwords set through the use cases", () => {
  it.effect("registration refuses 12 NULs, 12× 'a', a short astral password and a common password", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        yield* outcome(signUp("\u0000".repeat(12), "nul@example.com")),
        "WeakPassword:control_character"
      )
      assert.strictEqual(yield* outcome(signUp("a".repeat(12), "aaa@example.com")), "WeakPassword:too_few_distinct")
      assert.strictEqual(yield* outcome(signUp("\u{1F600}".repeat(6), "emoji@example.com")), "WeakPassword:too_short")
      assert.strictEqual(yield* outcome(signUp("1q2w3e4r5t6y", "common@example.com")), "WeakPassword:common")
      assert.strictEqual(yield* outcome(signUp("correct horse battery staple")), "ok")
    }).pipe(Effect.provide(MemoryIdentity))
  )

  it.effect("adding a member refuses a weak password and accepts a good one", () =>
    Effect.gen(function* () {
      const { organization, user } = yield* signUpVerified({
        organizationName: OrganizationName.make("Acme"),
        email: Email.make("owner@example.com"),
        password: Redacted.make(Password.make("correct horse battery staple"))
      })
      const owner = new Principal({
        userId: user.id,
        organizationId: organization.id,
        role: "owner",
        sessionId: SessionId.make(randomUUID())
      })
      const add = (email: string, password: string) =>
        Members.add(owner, {
          email: Email.make(email),
          password: Redacted.make(Password.make(password)),
          role: "member"
        })
      assert.strictEqual(yield* outcome(add("nul@example.com", "\u0000".repeat(12))), "WeakPassword:control_character")
      assert.strictEqual(yield* outcome(add("aaa@example.com", "a".repeat(12))), "WeakPassword:too_few_distinct")
      assert.strictEqual(yield* outcome(add("good@example.com", "a long passphrase")), "ok")
    }).pipe(Effect.provide(MemoryIdentity))
  )
})

describe("password policy rules", () => {
  it("counts length in code points, not UTF-16 units", () => {
    assert.strictEqual(refusalOf("\u{1F600}\u{1F601}\u{1F602}\u{1F603}\u{1F604}\u{1F605}"), "too_short")
    assert.strictEqual(refusalOf("\u{1F600}\u{1F601}\u{1F602}\u{1F603}".repeat(3)), undefined)
    assert.strictEqual(refusalOf(`${"e\u0301".repeat(5)}xy`), undefined, "12 code points, whatever they render as")
    const longest = Array.from({ length: MAX_PASSWORD_LENGTH }, (_, i) => String.fromCodePoint(0x1f600 + (i % 64)))
    assert.strictEqual(refusalOf(longest.join("")), undefined, "256 astral characters are 512 UTF-16 units")
    assert.strictEqual(refusalOf(`${longest.join("")}x`), "too_long")
    assert.strictEqual(refusalOf("x".repeat(1_000_000)), "too_long")
  })

  it("refuses C0 and C1 controls and DEL anywhere, and lone surrogates", () => {
    for (const control of ["\u0000", "\t", "\n", "\u001b", "\u007f", "\u0085", "\u009f"])
      assert.strictEqual(refusalOf(`a long passphrase${control}`), "control_character", JSON.stringify(control))
    assert.strictEqual(refusalOf("a long passphrase \ud800"), "invalid_text")
    assert.strictEqual(refusalOf("a long passphrase \u00a0 non-breaking"), undefined, "U+00A0 is not a control")
  })

  it("refuses too few different characters, and common passwords in any case", () => {
    assert.strictEqual(refusalOf("a".repeat(12)), "too_few_distinct")
    assert.strictEqual(refusalOf("abcabcabcabc"), "too_few_distinct")
    assert.strictEqual(refusalOf("abcdabcdabcd"), undefined)
    assert.strictEqual(refusalOf("qwerty123456"), "common")
    assert.strictEqual(refusalOf("QWERTY123456"), "common")
    assert.strictEqual(refusalOf("ｑｗｅｒｔｙ１２３４５６"), "common", "full-width forms normalise (NFKC) to the same")
    assert.strictEqual(refusalOf("correct horse battery staple"), undefined)
  })
})
