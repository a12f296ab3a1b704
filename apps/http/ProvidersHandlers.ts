/** The provider catalogue as the API shows it. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ProviderCatalogue } from "../../core/providers/ports/ProviderCatalogue.ts"
import { Api } from "./Api.ts"
import { ProviderView } from "./ProvidersApi.ts"

export const ProvidersHandlers = HttpApiBuilder.group(
  Api,
  "providers",
  Effect.fn(function* (handlers) {
    const catalogue = yield* ProviderCatalogue
    const providers = catalogue.providers.map((p) => new ProviderView({ ...p.descriptor, configured: p.configured }))
    return handlers.handle("list", () => Effect.succeed({ providers }))
  })
)
