/**
 * CredentialVault with AES-256-GCM: a random 96-bit IV per value, the location as additional authenticated data,
 * and the key id in the envelope so keys can rotate: `v1.{keyId}.{iv}.{tag}.{ciphertext}` (base64url parts).
 */
import { Config, Effect, Layer, Option, Redacted, Schema } from "effect"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import {
  type CiphertextLocation,
  CredentialVault,
  DecryptionFailed
} from "../../core/connections/ports/CredentialVault.ts"
import { type Keyring, keyringFrom } from "./Keyring.ts"

const VERSION = "v1"

export class KeyringInvalid extends Schema.TaggedError<KeyringInvalid>()("KeyringInvalid", {
  problems: Schema.Array(Schema.String)
}) {}

const aad = (location: CiphertextLocation) =>
  Buffer.from(`${location.organizationId}/${location.connectionId}/${location.field}`, "utf8")

export const make = (keyring: Keyring) =>
  CredentialVault.of({
    activeKeyId: keyring.activeId,
    needsRotation: (ciphertext) => !ciphertext.startsWith(`${VERSION}.${keyring.activeId}.`),
    encrypt: (plaintext, location) => {
      const key = keyring.keys.get(keyring.activeId)
      // keyringFrom only builds keyrings whose active key is among the keys.
      if (key === undefined)
        return Effect.die(new Error(`keyring: the active key "${keyring.activeId}" is not among its keys`))
      return Effect.sync(() => {
        const iv = randomBytes(12)
        const cipher = createCipheriv("aes-256-gcm", key, iv)
        cipher.setAAD(aad(location))
        const sealed = Buffer.concat([cipher.update(Redacted.value(plaintext), "utf8"), cipher.final()])
        const parts = [iv, cipher.getAuthTag(), sealed].map((b) => b.toString("base64url"))
        return [VERSION, keyring.activeId, ...parts].join(".")
      })
    },
    decrypt: (ciphertext, location) =>
      Effect.gen(function* () {
        const [version, keyId, iv, tag, sealed] = ciphertext.split(".")
        if (
          version !== VERSION ||
          keyId === undefined ||
          iv === undefined ||
          tag === undefined ||
          sealed === undefined
        ) {
          return yield* new DecryptionFailed({ reason: "malformed" })
        }
        const key = keyring.keys.get(keyId)
        if (key === undefined) return yield* new DecryptionFailed({ reason: "unknown_key" })
        return yield* Effect.try({
          try: () => {
            const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"))
            decipher.setAAD(aad(location))
            decipher.setAuthTag(Buffer.from(tag, "base64url"))
            const plain = Buffer.concat([decipher.update(Buffer.from(sealed, "base64url")), decipher.final()])
            return Redacted.make(plain.toString("utf8"))
          },
          catch: () => new DecryptionFailed({ reason: "authentication" })
        })
      })
  })

export const layerConfig = Layer.effect(
  CredentialVault,
  Effect.gen(function* () {
    const raw = yield* Config.Redacted("ENCRYPTION_KEYS")
    const active = yield* Config.option(Config.String("ENCRYPTION_ACTIVE_KEY"))
    const result = keyringFrom(Redacted.value(raw), Option.getOrUndefined(active))
    if (result._tag === "Invalid") return yield* new KeyringInvalid({ problems: result.problems })
    return make(result.keyring)
  })
)
