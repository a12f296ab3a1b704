/**
 * A programmable HTTP server on loopback for provider fakes: each request is recorded and answered by a handler
 * that can reply, delay, or drop the connection. Provider fakes (OAuth, Shopify, G2A…) are built on it so the
 * real adapters are exercised over real HTTP.
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo, Socket } from "node:net"

export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

export type FakeResponse =
  | {
      readonly status: number
      readonly headers?: Record<string, string>
      readonly json?: unknown
      readonly text?: string
      readonly delayMs?: number
      /** Answers only once this settles: the test decides when the provider has finished (no guessed delay). */
      readonly after?: Promise<unknown>
    }
  | { readonly drop: true }
  | { readonly hang: true }

export type Handler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>

export interface FakeServer {
  readonly url: string
  readonly requests: Array<FakeRequest>
  readonly count: (predicate?: (r: FakeRequest) => boolean) => number
  readonly close: () => Promise<void>
}

export const startFakeServer = async (handler: Handler): Promise<FakeServer> => {
  const requests: Array<FakeRequest> = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://fake")
      const request: FakeRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      requests.push(request)
      const response = await handler(request)
      if ("drop" in response) return void req.socket.destroy()
      if ("hang" in response) return
      const send = () => {
        const body = response.json !== undefined ? JSON.stringify(response.json) : (response.text ?? "")
        res.writeHead(response.status, {
          ...(response.json !== undefined ? { "content-type": "application/json" } : {}),
          ...response.headers
        })
        res.end(body)
      }
      if (response.after !== undefined) void response.after.then(send)
      else if (response.delayMs !== undefined) setTimeout(send, response.delayMs)
      else send()
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (predicate) => (predicate === undefined ? requests.length : requests.filter(predicate).length),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** Answers from a script, one response per call, repeating the last. */
export const scripted = (responses: ReadonlyArray<FakeResponse>): Handler => {
  let i = 0
  return () => responses[Math.min(i++, responses.length - 1)]!
}
