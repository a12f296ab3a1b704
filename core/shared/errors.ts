/**
 * Infrastructure errors shared by every port family. A port method fails with one of these when the technology
 * behind it (a database, a cache) could not do its job; the reason says how, so callers and the HTTP edge can
 * choose between "try again later" (503) and "a bug" without inspecting driver errors.
 */
import { Schema } from "effect"

/**
 * Unavailable / Timeout: try again later. Invalid: the data itself was refused (e.g. a NUL character, a value out
 * of a column's domain) — the caller's input. Rejected: anything else refused — a bug.
 */
export const InfraReason = Schema.Literals(["Unavailable", "Timeout", "Invalid", "Rejected"])
export type InfraReason = typeof InfraReason.Type

export class PersistenceError extends Schema.TaggedError<PersistenceError>()("PersistenceError", {
  operation: Schema.String,
  reason: InfraReason
}) {}

export class CacheError extends Schema.TaggedError<CacheError>()("CacheError", {
  operation: Schema.String,
  reason: InfraReason
}) {}
