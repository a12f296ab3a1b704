/**
 * GET /dev/mailbox holds every verification and reset link the development capture received: it answers only a
 * client connected over loopback, never one reaching the app on another interface (a development instance bound to
 * 0.0.0.0), and never a request a proxy forwarded (X-Forwarded-For / Forwarded: someone else's request).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { networkInterfaces } from "node:os"
import { call } from "../support/Api.ts"
import { testApp } from "../support/TestApp.ts"

/** This machine's own address on a non-loopback interface, if it has one. */
const externalAddress = () =>
  Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .find((a) => a.family === "IPv4" && !a.internal)?.address

describe("the development mailbox", () => {
  // The test server listens on every interface, like a development instance bound to 0.0.0.0.
  layer(testApp(), { excludeTestServices: true, timeout: 60_000 })("served to loopback only", (it) => {
    it.effect("a loopback client reads it", () =>
      Effect.gen(function* () {
        const response = yield* call("GET", "/dev/mailbox")
        assert.strictEqual(response.status, 200)
      })
    )

    it.effect("a client on another interface gets 404", () =>
      Effect.gen(function* () {
        const address = externalAddress()
        assert.isDefined(address, "this test needs a non-loopback interface")
        const { address: listening } = yield* HttpServer.HttpServer
        assert.notStrictEqual(listening._tag, "UnixPathAddress")
        const port = listening._tag === "UnixPathAddress" ? 0 : listening.port
        const response = yield* Effect.promise(() => fetch(`http://${address}:${port}/dev/mailbox`))
        assert.strictEqual(response.status, 404)
        assert.notInclude(yield* Effect.promise(() => response.text()), "messages")
      })
    )

    it.effect("a forwarded request gets 404, whatever address it claims", () =>
      Effect.gen(function* () {
        for (const header of [{ "x-forwarded-for": "127.0.0.1" }, { forwarded: "for=127.0.0.1" }]) {
          const response = yield* HttpClient.execute(
            HttpClientRequest.get("/dev/mailbox").pipe(HttpClientRequest.setHeaders(header))
          )
          assert.strictEqual(response.status, 404)
        }
      })
    )
  })
})
