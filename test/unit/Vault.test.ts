import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import * as AesGcmVault from "../../adapters/crypto/AesGcmVault.ts"
import { keyringFrom } from "../../adapters/crypto/Keyring.ts"

const keyA = randomBytes(32).toString("base64")
const keyB = randomBytes(32).toString("base64")
const vault = (raw: string, active?: string) => {
  const result = keyringFrom(raw, active)
  if (result._tag === "Invalid") throw new Error(result.problems.join("; "))
  return AesGcmVault.make(result.keyring)
}
const here = { organizationId: "org-1", connectionId: "conn-1", field: "credentials" }
const secret = Redacted.make("shpat_super_secret_token")

describe("AES-256-GCM credential vault", () => {
  it.effect("round-trips, with a fresh IV each time, and never shows the plaintext", () =>
    Effect.gen(function* () {
      const v = vault(`a:${keyA}`)
      const one = yield* v.encrypt(secret, here)
      const two = yield* v.encrypt(secret, here)
      assert.notStrictEqual(one, two)
      assert.notInclude(one, "shpat")
      assert.match(one, /^v1\.a\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/)
      assert.strictEqual(Redacted.value(yield* v.decrypt(one, here)), "shpat_super_secret_token")
    })
  )

  it.effect("a ciphertext moved to another organisation, connection or field does not decrypt; tampering neither", () =>
    Effect.gen(function* () {
      const v = vault(`a:${keyA}`)
      const sealed = yield* v.encrypt(secret, here)
      for (const elsewhere of [
        { ...here, organizationId: "org-2" },
        { ...here, connectionId: "conn-2" },
        { ...here, field: "other" }
      ]) {
        assert.strictEqual((yield* Effect.flip(v.decrypt(sealed, elsewhere))).reason, "authentication")
      }
      const parts = sealed.split(".")
      // One ciphertext bit flipped (on the decoded bytes: changing a base64 character could leave them as they were).
      const bytes = Buffer.from(parts[4]!, "base64url")
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1
      const flipped = [...parts.slice(0, 4), bytes.toString("base64url")].join(".")
      assert.strictEqual((yield* Effect.flip(v.decrypt(flipped, here))).reason, "authentication")
      assert.strictEqual((yield* Effect.flip(v.decrypt("garbage", here))).reason, "malformed")
    })
  )

  it.effect(
    "key rotation: sealed under A, readable with A+B (B active), reported for rotation; unknown once A is gone",
    () =>
      Effect.gen(function* () {
        const underA = yield* vault(`a:${keyA}`).encrypt(secret, here)
        const both = vault(`b:${keyB},a:${keyA}`)
        assert.strictEqual(both.activeKeyId, "b")
        assert.isTrue(both.needsRotation(underA))
        const resealed = yield* both.decrypt(underA, here).pipe(Effect.flatMap((p) => both.encrypt(p, here)))
        assert.isFalse(both.needsRotation(resealed))
        const onlyB = vault(`b:${keyB}`)
        assert.strictEqual(Redacted.value(yield* onlyB.decrypt(resealed, here)), "shpat_super_secret_token")
        assert.strictEqual((yield* Effect.flip(onlyB.decrypt(underA, here))).reason, "unknown_key")
      })
  )

  it("refuses an active key that is not in the ring", () => {
    const result = keyringFrom(`a:${keyA}`, "z")
    assert.deepStrictEqual(result, {
      _tag: "Invalid",
      problems: ['ENCRYPTION_ACTIVE_KEY "z" is not in ENCRYPTION_KEYS']
    })
  })
})
