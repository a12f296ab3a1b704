/**
 * `npm run bench:context`: the minimal reproduction of the per-request cost that grows with the services in scope
 * (docs/performance.md, "HTTP floor"). One HttpApi endpoint answering `{status:"ok"}`, its group built in a context
 * of N otherwise unused services, served in-process through `HttpRouter.toWebHandler` (no sockets, so the figure is
 * the framework's own CPU per request). effect's HttpApiBuilder captures the context a group is built in and provides
 * it to every request (`Effect.provideContext` → `Context.merge`: a copy of the request's service map plus one write
 * per captured service), so the cost per request rises with N although no handler reads any of them. The rounds
 * alternate between the sizes; medians of CPU time per request. Prints figures; asserts nothing.
 */
import { Context, Effect, Layer, References, Schema } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"

const REQUESTS = Number(process.env["BENCH_CONTEXT_REQUESTS"] ?? 20_000)
const ROUNDS = Number(process.env["BENCH_CONTEXT_ROUNDS"] ?? 7)
const SIZES = [0, 40, 100, 300]

class Live extends HttpApiGroup.make("live").add(
  HttpApiEndpoint.get("live", "/live", { success: Schema.Struct({ status: Schema.Literal("ok") }) })
) {}
class Minimal extends HttpApi.make("minimal").add(Live) {}

const handlers = HttpApiBuilder.group(Minimal, "live", (h) =>
  h.handle("live", () => Effect.succeed({ status: "ok" as const }))
)

/** N services nobody reads, as a layer's output: what a real app's ports and adapters look like to the builder. */
const unused = (n: number) =>
  Layer.succeedContext(
    Context.makeUnsafe<never>(new Map(Array.from({ length: n }, (_, i) => [`bench/unused/${i}`, { i }] as const)))
  )

const serverFor = (n: number) =>
  HttpRouter.toWebHandler(
    HttpApiBuilder.layer(Minimal).pipe(
      Layer.provide(handlers.pipe(Layer.provide(unused(n)))),
      Layer.provide(HttpServer.layerServices),
      Layer.provideMerge(Layer.succeed(References.MinimumLogLevel, "Error"))
    ),
    { disableLogger: true }
  )

const cpuPerRequest = async (handler: (request: Request) => Promise<Response>) => {
  const before = process.cpuUsage()
  let sent = 0
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (sent++ < REQUESTS) await (await handler(new Request("http://localhost/live"))).arrayBuffer()
    })
  )
  const used = process.cpuUsage(before)
  return (used.user + used.system) / REQUESTS
}

const servers = SIZES.map((n) => ({ n, server: serverFor(n), rounds: [] as Array<number> }))
for (const { server } of servers) await cpuPerRequest(server.handler)
for (let round = 0; round < ROUNDS; round++)
  for (const entry of servers) entry.rounds.push(await cpuPerRequest(entry.server.handler))
const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
console.log(`bench:context — ${REQUESTS} in-process requests × ${ROUNDS} alternating rounds, CPU µs per request`)
for (const { n, rounds } of servers)
  console.log(
    `${String(n).padStart(4)} services in the group's context: ${median(rounds).toFixed(1)} µs/request (rounds: ${rounds.map((r) => r.toFixed(1)).join(", ")})`
  )
for (const { server } of servers) await server.dispose()
