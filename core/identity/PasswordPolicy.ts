/**
 * The rules a new password must meet, wherever one is set (registration, adding a member). Pure: the list of
 * common passwords ships as data in CommonPasswords.ts. Passwords presented at login are not checked here, so a
 * stricter policy never locks out an account whose password it would now refuse.
 */
import { Effect, Redacted } from "effect"
import { COMMON_PASSWORDS } from "./CommonPasswords.ts"
import { type Password, WeakPassword, type WeakPasswordReason } from "./Identity.ts"

/** Counted in Unicode code points, so "😀" is one character, as a person counts it. */
export const MIN_PASSWORD_LENGTH = 12
/** Keeps the KDF's input bounded (at most 1 KiB of UTF-8). */
export const MAX_PASSWORD_LENGTH = 256
export const MIN_DISTINCT_CHARACTERS = 4

const common: ReadonlySet<string> = new Set(COMMON_PASSWORDS)

/** C0 controls (NUL, ESC, line breaks, tab …), DEL and C1 controls. */
const isControl = (codePoint: number) => codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f)
const isSurrogate = (codePoint: number) => codePoint >= 0xd800 && codePoint <= 0xdfff

/** Why a new password is refused, or undefined when it is acceptable. The first broken rule wins. */
export const refusalOf = (password: string): WeakPasswordReason | undefined => {
  const distinct = new Set<number>()
  let length = 0
  for (const character of password) {
    // A lone surrogate iterates as itself: it is not text, and it would hash like any other lone surrogate.
    const codePoint = character.codePointAt(0) ?? 0
    if (isControl(codePoint)) return "control_character"
    if (isSurrogate(codePoint)) return "invalid_text"
    length += 1
    if (length > MAX_PASSWORD_LENGTH) return "too_long"
    distinct.add(codePoint)
  }
  if (length < MIN_PASSWORD_LENGTH) return "too_short"
  if (distinct.size < MIN_DISTINCT_CHARACTERS) return "too_few_distinct"
  if (common.has(password.normalize("NFKC").toLowerCase())) return "common"
  return undefined
}

/** Fails with WeakPassword when a new password breaks a rule; run before anything is hashed or stored. */
export const checkPassword = (password: Redacted.Redacted<Password>): Effect.Effect<void, WeakPassword> => {
  const reason = refusalOf(Redacted.value(password))
  return reason === undefined ? Effect.void : Effect.fail(new WeakPassword({ reason }))
}
