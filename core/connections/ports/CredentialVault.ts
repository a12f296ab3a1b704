/**
 * Port: encryption of provider credentials at rest. Every ciphertext is bound to where it lives (organisation,
 * connection, field) as additional authenticated data, so a value copied into another row, field or organisation
 * does not decrypt. Decryption happens only in the service layer, never in handlers or logs.
 */
import { Context, type Effect, type Redacted, Schema } from "effect"

export interface CiphertextLocation {
  readonly organizationId: string
  readonly connectionId: string
  readonly field: string
}

export class DecryptionFailed extends Schema.TaggedError<DecryptionFailed>()("DecryptionFailed", {
  reason: Schema.Literals(["malformed", "unknown_key", "authentication"])
}) {}

export interface CredentialVaultShape {
  readonly encrypt: (plaintext: Redacted.Redacted<string>, location: CiphertextLocation) => Effect.Effect<string>
  readonly decrypt: (
    ciphertext: string,
    location: CiphertextLocation
  ) => Effect.Effect<Redacted.Redacted<string>, DecryptionFailed>
  /** True when the value is not sealed with the active key (a candidate for `keys:rotate`). */
  readonly needsRotation: (ciphertext: string) => boolean
  readonly activeKeyId: string
}

export class CredentialVault extends Context.Service<CredentialVault, CredentialVaultShape>()(
  "tradeport/core/connections/ports/CredentialVault"
) {}
