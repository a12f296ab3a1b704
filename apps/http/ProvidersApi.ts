/** Contract of the provider catalogue: every provider this deployment knows, whether it is configured, what it can do. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { ProviderDescriptor } from "../../core/providers/Provider.ts"
import { Authenticated } from "./Authentication.ts"

/** A provider's descriptor, and whether this deployment can use it. */
export class ProviderView extends Schema.Class<ProviderView>("ProviderView")({
  ...ProviderDescriptor.fields,
  /** False when this deployment lacks what the provider needs (the operator's app credentials): connecting fails. */
  configured: Schema.Boolean
}) {}

export class ProvidersGroup extends HttpApiGroup.make("providers")
  .add(
    HttpApiEndpoint.get("list", "/api/v1/providers", {
      success: Schema.Struct({ providers: Schema.Array(ProviderView) })
    }).annotate(
      OpenApi.Description,
      "The provider catalogue: each provider's kind, how it is authorised, its hosts, token refresh and webhook signing, its capabilities, and whether this deployment has it configured."
    )
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Providers Tradeport can connect to") {}
