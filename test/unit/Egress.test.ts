/**
 * The SSRF guard: which addresses user-supplied URLs may reach, URL rules, DNS answers checked as a whole, and the
 * connect-time check that defeats DNS rebinding (a name that resolved publicly at check time but privately later).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { HttpClientRequest } from "effect/http"
import { EgressGuard, isPublicAddress } from "../../adapters/providers/shared/Egress.ts"
import { startFakeServer } from "../fakes/FakeServer.ts"

const answers = new Map<string, ReadonlyArray<string>>([
  ["shop.example", ["93.184.216.34"]],
  ["mixed.example", ["93.184.216.34", "10.0.0.7"]],
  ["metadata.example", ["169.254.169.254"]],
  ["v6.example", ["2606:4700::6810:84e5"]]
])
const guard = EgressGuard.layer({
  allowedOrigins: ["http://127.0.0.1:1"],
  resolve: async (host) => answers.get(host) ?? []
})

const refusal = (url: string) =>
  Effect.gen(function* () {
    const result = yield* (yield* EgressGuard).check(url).pipe(Effect.exit)
    return Exit.isSuccess(result)
      ? "allowed"
      : Exit.isFailure(result) && result.cause.reasons[0]?._tag === "Fail"
        ? result.cause.reasons[0].error.reason
        : "defect"
  })

describe("egress guard", () => {
  it("refuses loopback, private, link-local, CGNAT, reserved, multicast, mapped and NAT64 addresses", () => {
    for (const address of [
      "127.0.0.1",
      "10.2.3.4",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "198.18.0.1",
      "::1",
      "::",
      "fe80::1",
      "fc00::1",
      "fd00:ec2::254",
      "::ffff:127.0.0.1",
      "::ffff:8.8.8.8",
      "::127.0.0.1",
      "::ffff:0:7f00:1",
      "64:ff9b::a00:1",
      "2001:db8::1",
      "not-an-ip"
    ]) {
      assert.isFalse(isPublicAddress(address), address)
    }
    for (const address of ["8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::6810:84e5"])
      assert.isTrue(isPublicAddress(address), address)
  })

  it.effect("checks the URL and every address its host resolves to", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* refusal("https://shop.example/wp"), "allowed")
      assert.strictEqual(yield* refusal("https://v6.example"), "allowed")
      assert.strictEqual(yield* refusal("https://mixed.example"), "private_address")
      assert.strictEqual(yield* refusal("https://metadata.example"), "private_address")
      assert.strictEqual(yield* refusal("https://nowhere.example"), "unresolvable")
      assert.strictEqual(yield* refusal("http://shop.example"), "scheme")
      // Only the https port: a user-supplied URL must not point us at another service of a public host (6379…).
      assert.strictEqual(yield* refusal("https://shop.example:6379/wp"), "port")
      assert.strictEqual(yield* refusal("https://shop.example:443/wp"), "allowed", "the default port, spelled out")
      assert.strictEqual(yield* refusal("https://u:p@shop.example"), "credentials")
      assert.strictEqual(yield* refusal("https://[::ffff:7f00:1]"), "private_address")
      assert.strictEqual(yield* refusal("https://[::127.0.0.1]"), "private_address")
      assert.strictEqual(yield* refusal("https://2130706433"), "private_address")
      assert.strictEqual(yield* refusal("::"), "invalid_url")
      assert.strictEqual(yield* refusal("http://127.0.0.1:1/x"), "allowed", "an explicitly allowed development origin")
    }).pipe(Effect.provide(guard))
  )

  it.effect("the guarded client refuses to connect to a name resolving to loopback, whatever was checked before", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(
        Effect.promise(() => startFakeServer(() => ({ status: 200, text: "internal" }))),
        (s) => Effect.promise(s.close)
      )
      const port = new URL(server.url).port
      const { http } = yield* EgressGuard
      const viaName = yield* http.execute(HttpClientRequest.get(`http://localhost:${port}/`)).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(viaName), "localhost resolves to a loopback address: refused at connect")
      assert.strictEqual(server.count(), 0, "nothing reached the internal server")
    }).pipe(Effect.provide(guard), Effect.scoped)
  )
})
