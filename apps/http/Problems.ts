/**
 * The normalized error body of the HTTP API: RFC 9457 problem+json with a stable machine `code` and the
 * `requestId` of the call. Endpoints declare the typed problems they can return (so OpenAPI documents them);
 * `ErrorBodies.normalize` guarantees the same shape for every other 4xx/5xx (unknown routes, body limits,
 * decoding failures, defects).
 */
import { Schema } from "effect"
import { HttpApiError } from "effect/http-api"

const code = { code: Schema.String, detail: Schema.optionalKey(Schema.String) }

export class NotFound extends HttpApiError.Problem<NotFound>()(
  "NotFound",
  {
    type: "https://tradeport.dev/problems/not-found",
    status: 404,
    title: "Not Found"
  },
  code
) {}

export class Conflict extends HttpApiError.Problem<Conflict>()(
  "Conflict",
  {
    type: "https://tradeport.dev/problems/conflict",
    status: 409,
    title: "Conflict"
  },
  code
) {}

export class Unauthorized extends HttpApiError.Problem<Unauthorized>()(
  "Unauthorized",
  {
    type: "https://tradeport.dev/problems/unauthorized",
    status: 401,
    title: "Unauthorized"
  },
  code
) {}

export class Forbidden extends HttpApiError.Problem<Forbidden>()(
  "Forbidden",
  {
    type: "https://tradeport.dev/problems/forbidden",
    status: 403,
    title: "Forbidden"
  },
  code
) {}

export class Unprocessable extends HttpApiError.Problem<Unprocessable>()(
  "Unprocessable",
  {
    type: "https://tradeport.dev/problems/unprocessable",
    status: 422,
    title: "Unprocessable Content"
  },
  code
) {}

export class ServiceUnavailable extends HttpApiError.Problem<ServiceUnavailable>()(
  "ServiceUnavailable",
  {
    type: "https://tradeport.dev/problems/service-unavailable",
    status: 503,
    title: "Service Unavailable"
  },
  { ...code, retryAfterSeconds: Schema.optionalKey(Schema.Int) }
) {}

/** A request past a size bound (an import's bytes or rows). */
export class PayloadTooLarge extends HttpApiError.Problem<PayloadTooLarge>()(
  "PayloadTooLarge",
  {
    type: "https://tradeport.dev/problems/payload-too-large",
    status: 413,
    title: "Content Too Large"
  },
  code
) {}

/** A provider refused or garbled our request: not the caller's fault, not ours to retry blindly. */
export class BadGateway extends HttpApiError.Problem<BadGateway>()(
  "BadGateway",
  {
    type: "https://tradeport.dev/problems/bad-gateway",
    status: 502,
    title: "Bad Gateway"
  },
  code
) {}

/** Stable codes for responses that no endpoint produced itself. */
export const codeForStatus = (status: number): string => {
  switch (status) {
    case 400:
      return "bad_request"
    case 401:
      return "unauthorized"
    case 403:
      return "forbidden"
    case 404:
      return "not_found"
    case 405:
      return "method_not_allowed"
    case 408:
      return "request_timeout"
    case 409:
      return "conflict"
    case 413:
      return "payload_too_large"
    case 415:
      return "unsupported_media_type"
    case 422:
      return "unprocessable"
    case 429:
      return "rate_limited"
    case 502:
      return "bad_gateway"
    case 503:
      return "service_unavailable"
    case 504:
      return "timeout"
    default:
      return status >= 500 ? "internal_error" : "client_error"
  }
}
