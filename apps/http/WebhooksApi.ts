/** Contract of inbound webhooks: raw signed bodies, one endpoint per provider and connection (and the G2A account). */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiError, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { NotFound, ServiceUnavailable, Unauthorized } from "./Problems.ts"

export class Malformed extends HttpApiError.Problem<Malformed>()(
  "Malformed",
  {
    type: "https://tradeport.dev/problems/malformed",
    status: 400,
    title: "Bad Request"
  },
  { code: Schema.String, detail: Schema.optionalKey(Schema.String) }
) {}

const Body = HttpApiSchema.StreamUint8Array({
  contentType: ["application/json", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded"],
  maxBytes: "1 MiB"
})
const Acknowledged = Schema.Struct({
  outcome: Schema.Literals(["applied", "duplicate", "ignored", "failed"]),
  eventId: Schema.String
})

export class WebhooksGroup extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("receiveG2A", "/webhooks/g2a", {
      payload: Body,
      success: Acknowledged,
      error: [Unauthorized, Malformed, NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Deliveries from the deployment's G2A account (G2A signature headers), routed to the organisation whose purchase the event names. 404 when G2A is not configured; 503 for an order not recorded yet (retry later)."
    ),
    HttpApiEndpoint.post("receive", "/webhooks/:provider/:connectionId", {
      params: {
        provider: Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z0-9_]{1,32}$/))),
        connectionId: Schema.String
      },
      payload: Body,
      success: Acknowledged,
      error: [Unauthorized, Malformed, NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Signed deliveries. 200 = acknowledged (applied, duplicate: no change, ignored topic, or failed and recorded); 401 invalid_signature / stale_timestamp / replayed_delivery; 400 malformed; 404 unknown source; 503 = retry later."
    )
  )
  .annotate(OpenApi.Description, "Inbound webhooks (signature-checked, deduplicated, applied exactly once)") {}
