/**
 * The encryption keyring: `ENCRYPTION_KEYS` = comma-separated `keyId:base64(32 bytes)`; the active key (used to
 * encrypt) is `ENCRYPTION_ACTIVE_KEY` or else the first. Older keys stay for decryption until `keys:rotate` has
 * re-sealed everything under the active one.
 */
export interface KeyringEntry {
  readonly id: string
  readonly key: Buffer
}

export interface Keyring {
  readonly keys: ReadonlyMap<string, Buffer>
  readonly activeId: string
}

export const parseKeyring = (
  raw: string
): { readonly keys: ReadonlyArray<KeyringEntry>; readonly problems: ReadonlyArray<string> } => {
  const keys: Array<KeyringEntry> = []
  const problems: Array<string> = []
  for (const [index, entry] of raw
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .entries()) {
    const separator = entry.indexOf(":")
    const id = separator > 0 ? entry.slice(0, separator) : ""
    const key = Buffer.from(entry.slice(separator + 1), "base64")
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
      problems.push(`ENCRYPTION_KEYS entry ${index + 1}: expected "keyId:base64key"`)
    else if (key.length !== 32)
      problems.push(`ENCRYPTION_KEYS key "${id}": must be 32 bytes base64-encoded (got ${key.length})`)
    else if (keys.some((k) => k.id === id)) problems.push(`ENCRYPTION_KEYS key id "${id}" appears twice`)
    else keys.push({ id, key })
  }
  if (keys.length === 0 && problems.length === 0) problems.push("ENCRYPTION_KEYS is empty")
  return { keys, problems }
}

/** A usable keyring, or the problems that prevent one. */
export const keyringFrom = (
  raw: string,
  active: string | undefined
):
  | { readonly _tag: "Valid"; readonly keyring: Keyring }
  | { readonly _tag: "Invalid"; readonly problems: ReadonlyArray<string> } => {
  const parsed = parseKeyring(raw)
  const [first] = parsed.keys
  if (parsed.problems.length > 0) return { _tag: "Invalid", problems: parsed.problems }
  if (first === undefined) return { _tag: "Invalid", problems: ["ENCRYPTION_KEYS is empty"] }
  const activeId = active ?? first.id
  if (!parsed.keys.some((k) => k.id === activeId)) {
    return { _tag: "Invalid", problems: [`ENCRYPTION_ACTIVE_KEY "${activeId}" is not in ENCRYPTION_KEYS`] }
  }
  return { _tag: "Valid", keyring: { keys: new Map(parsed.keys.map((k) => [k.id, k.key])), activeId } }
}
