/**
 * Who may do what inside an organisation. Owners and admins manage members and read the audit trail; only an
 * owner may grant or take away ownership; members read.
 */
import { Effect } from "effect"
import { InsufficientRole, type Role } from "./Identity.ts"

const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 }

export const atLeast = (actual: Role, required: Role) => rank[actual] >= rank[required]

export const requireRole = (actual: Role, required: Role) =>
  atLeast(actual, required) ? Effect.void : Effect.fail(new InsufficientRole({ required }))

/** Changing someone to or from `owner` takes an owner; other changes take an admin. */
export const requiredToChange = (from: Role, to: Role): Role => (from === "owner" || to === "owner" ? "owner" : "admin")
