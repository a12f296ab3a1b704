/** Refresh tokens: 256 random bits, handed out once, stored only as their SHA-256. */
import { Duration } from "effect"
import { createHash, randomBytes } from "node:crypto"

export const REFRESH_TOKEN_TTL = Duration.days(30)
export const ACCESS_TOKEN_TTL = Duration.minutes(15)

export const newRefreshToken = () => randomBytes(32).toString("base64url")

export const hashRefreshToken = (token: string): Uint8Array => createHash("sha256").update(token, "utf8").digest()
