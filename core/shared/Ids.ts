/** Branded identifiers shared across contexts: never pass a bare string id across a port. */
import { Schema } from "effect"

export const OrgId = Schema.String.pipe(Schema.check(Schema.isUUID()), Schema.brand("OrgId"))
export type OrgId = typeof OrgId.Type

export const UserId = Schema.String.pipe(Schema.check(Schema.isUUID()), Schema.brand("UserId"))
export type UserId = typeof UserId.Type
