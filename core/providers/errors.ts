/** Looking a provider up in the catalogue: unknown, not configured in this deployment, or without the capability. */
import { Schema } from "effect"

export class ProviderLookupError extends Schema.TaggedError<ProviderLookupError>()("ProviderLookupError", {
  provider: Schema.String,
  reason: Schema.Literals(["unknown", "not_configured", "lacks_capability"]),
  capability: Schema.optionalKey(Schema.String)
}) {}
