/**
 * Port: turning a password into a slow, salted, self-describing hash and checking one in constant time.
 * Owns the KDF and its parameters; does not own password rules (Identity.Password).
 */
import { Context, type Effect, type Redacted } from "effect"

export interface PasswordHasherShape {
  readonly hash: (password: Redacted.Redacted<string>) => Effect.Effect<string>
  /** Constant-time verdict; a malformed stored hash is simply `false`. */
  readonly verify: (password: Redacted.Redacted<string>, stored: string) => Effect.Effect<boolean>
}

export class PasswordHasher extends Context.Service<PasswordHasher, PasswordHasherShape>()(
  "tradeport/core/identity/ports/PasswordHasher"
) {}
