import { assert, describe, it } from "@effect/vitest"
import { HttpServerResponse } from "effect/http"
import { normalize } from "../../apps/http/ErrorBodies.ts"

const bodyOf = (response: HttpServerResponse.HttpServerResponse): unknown =>
  response.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(response.body.body)) : undefined

describe("error body normalization", () => {
  it("an empty 404 becomes a problem with a code and the request id", () => {
    const out = normalize(HttpServerResponse.empty({ status: 404 }), "req-1")
    assert.strictEqual(out.headers["content-type"], "application/problem+json")
    assert.deepStrictEqual(bodyOf(out), {
      type: "about:blank",
      title: "Not Found",
      status: 404,
      code: "not_found",
      requestId: "req-1"
    })
  })

  it("a handler's problem keeps its type, code and detail", () => {
    const produced = HttpServerResponse.jsonUnsafe(
      {
        type: "https://tradeport.dev/problems/conflict",
        title: "Conflict",
        status: 409,
        code: "email_taken",
        detail: "taken"
      },
      { status: 409 }
    )
    assert.deepStrictEqual(bodyOf(normalize(produced, "req-2")), {
      type: "https://tradeport.dev/problems/conflict",
      title: "Conflict",
      status: 409,
      code: "email_taken",
      detail: "taken",
      requestId: "req-2"
    })
  })

  it("a problem's retryAfterSeconds is also sent as Retry-After", () => {
    const produced = HttpServerResponse.jsonUnsafe(
      { status: 503, code: "g2a_unavailable", retryAfterSeconds: 4.2 },
      { status: 503 }
    )
    assert.strictEqual(normalize(produced, "req-4").headers["retry-after"], "5")
    const explicit = HttpServerResponse.jsonUnsafe(
      { status: 503, code: "x", retryAfterSeconds: 4 },
      { status: 503, headers: { "retry-after": "9" } }
    )
    assert.strictEqual(normalize(explicit, "req-5").headers["retry-after"], "9")
  })

  it("an unexpected 500 says nothing about its cause", () => {
    const leaky = HttpServerResponse.jsonUnsafe(
      { detail: "ECONNREFUSED 10.0.0.3:5432", stack: "at Pg…" },
      { status: 500 }
    )
    assert.deepStrictEqual(bodyOf(normalize(leaky, "req-3")), {
      type: "about:blank",
      title: "Internal Server Error",
      status: 500,
      code: "internal_error",
      requestId: "req-3"
    })
  })
})
