/** Contract of inbound webhooks: raw signed bodies, one endpoint per provider and connection. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiError, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { NotFound, ServiceUnavailable, Unauthorized } from "./Problems.ts"

export class Malformed extends HttpApiError.Problem<Malformed>()("Malformed", {
  type: "https://tradeport.dev/problems/malformed",
  status: 400,
  title: "Bad Request"
}, { code: Schema.String, detail: Schema.optionalKey(Schema.String) }) {}

export class WebhooksGroup extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("receive", "/webhooks/:provider/:connectionId", {
      params: { provider: Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z0-9_]{1,32}$/))), connectionId: Schema.String },
      payload: HttpApiSchema.StreamUint8Array({ contentType: ["application/json", "application/octet-stream", "text/plain"], maxBytes: "1 MiB" }),
      success: Schema.Struct({ outcome: Schema.Literals(["applied", "duplicate", "ignored", "failed"]), eventId: Schema.String }),
      error: [Unauthorized, Malformed, NotFound, ServiceUnavailable]
    }).annotate(OpenApi.Description,
      "Signed deliveries. 200 = acknowledged (applied, duplicate: no change, ignored topic, or failed and recorded); 401 invalid_signature / stale_timestamp / replayed_delivery; 400 malformed; 404 unknown source; 503 = retry later.")
  )
  .annotate(OpenApi.Description, "Inbound webhooks (signature-checked, deduplicated, applied exactly once)")
{}
