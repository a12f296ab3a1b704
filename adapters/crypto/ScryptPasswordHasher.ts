/**
 * PasswordHasher with scrypt from node:crypto (memory-hard, no native dependency). Hashes are self-describing,
 * `scrypt$log2N$r$p$salt$hash`, so parameters can be raised later without breaking stored hashes. Runs on libuv's
 * thread pool (async scrypt), never on the event loop.
 */
import { Effect, Layer, Redacted } from "effect"
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { PasswordHasher } from "../../core/identity/ports/PasswordHasher.ts"

export interface ScryptParameters {
  readonly log2N: number
  readonly r: number
  readonly p: number
}

/** ~32 MiB and tens of milliseconds per hash on our machines (OWASP's scrypt floor is N=2^17 r=8 p=1 at 128 MiB). */
export const defaults: ScryptParameters = { log2N: 15, r: 8, p: 1 }

const KEY_LENGTH = 32

const derive = (password: string, salt: Buffer, params: ScryptParameters) =>
  Effect.callback<Buffer>((resume) => {
    const N = 2 ** params.log2N
    scrypt(
      password.normalize("NFKC"),
      salt,
      KEY_LENGTH,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
      (error, key) => {
        // Only reachable with invalid parameters, which are ours: a defect.
        resume(error === null ? Effect.succeed(key) : Effect.die(error))
      }
    )
  })

const parse = (stored: string) => {
  const [scheme, log2N, r, p, salt, hash] = stored.split("$")
  if (scheme !== "scrypt" || salt === undefined || hash === undefined) return undefined
  const params = { log2N: Number(log2N), r: Number(r), p: Number(p) }
  const valid = [params.log2N, params.r, params.p].every((n) => Number.isInteger(n) && n > 0) && params.log2N <= 20
  return valid ? { params, salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") } : undefined
}

export const layer = (params: ScryptParameters = defaults) =>
  Layer.succeed(
    PasswordHasher,
    PasswordHasher.of({
      hash: (password) =>
        Effect.gen(function* () {
          const salt = randomBytes(16)
          const key = yield* derive(Redacted.value(password), salt, params)
          return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`
        }).pipe(Effect.withSpan("PasswordHasher.hash")),
      verify: (password, stored) =>
        Effect.gen(function* () {
          const parsed = parse(stored)
          // Unknown format: still spend the work of a real check so timing says nothing about the stored value.
          const target = parsed ?? { params, salt: randomBytes(16), hash: randomBytes(KEY_LENGTH) }
          const key = yield* derive(Redacted.value(password), target.salt, target.params)
          return parsed !== undefined && key.length === target.hash.length && timingSafeEqual(key, target.hash)
        }).pipe(Effect.withSpan("PasswordHasher.verify"))
    })
  )
