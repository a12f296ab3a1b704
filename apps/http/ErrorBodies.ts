/**
 * Every 4xx/5xx leaves as RFC 9457 problem+json with a stable `code` and the `requestId`, whatever produced it
 * (a handler's typed problem, the router, a body limit, a defect).
 */
import { HttpServerResponse } from "effect/http"
import { codeForStatus } from "./Problems.ts"

const STATUS_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

const decoder = new TextDecoder()

const bodyJson = (response: HttpServerResponse.HttpServerResponse): Record<string, unknown> => {
  if (response.body._tag !== "Uint8Array") return {}
  try {
    const parsed: unknown = JSON.parse(decoder.decode(response.body.body))
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? { ...parsed } : {}
  } catch {
    return {}
  }
}

/**
 * Rewrites an error response into the normalized problem body, keeping what the producer already said. An
 * unexpected 5xx (no `code` from a handler) keeps nothing: its cause is for the log, not the client.
 */
export const normalize = (response: HttpServerResponse.HttpServerResponse, requestId: string) => {
  const status = response.status
  const body = bodyJson(response)
  const deliberate = typeof body["code"] === "string"
  const kept = status >= 500 && !deliberate ? {} : body
  const text = (key: string, fallback: string) => (typeof kept[key] === "string" ? String(kept[key]) : fallback)
  const problem = {
    ...kept,
    type: text("type", "about:blank"),
    title: text("title", STATUS_TITLES[status] ?? "Error"),
    status,
    code: text("code", codeForStatus(status)),
    requestId
  }
  // A problem that says when to retry says it in the header clients and proxies read, too.
  const retryAfter = kept["retryAfterSeconds"]
  const headers =
    typeof retryAfter === "number" && Number.isFinite(retryAfter) && response.headers["retry-after"] === undefined
      ? { ...response.headers, "retry-after": String(Math.max(0, Math.ceil(retryAfter))) }
      : response.headers
  return HttpServerResponse.jsonUnsafe(problem, { status, headers, contentType: "application/problem+json" })
}
