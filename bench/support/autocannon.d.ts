/** The part of autocannon 9's programmatic API the load worker uses (the package ships no types). */
declare module "autocannon" {
  interface RawRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }
  interface Options {
    url: string
    connections: number
    amount?: number
    duration?: number
    pipelining?: number
    timeout?: number
    requests?: Array<RawRequest & { setupRequest?: (request: RawRequest) => RawRequest }>
  }
  interface Histogram {
    average: number
    p50: number
    p90: number
    p99: number
    max: number
  }
  interface Result {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    latency: Histogram
    requests: Histogram & { total: number }
    statusCodeStats: Record<string, { count: number }>
  }
  interface Instance extends PromiseLike<Result> {
    on(
      event: "response",
      listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void
    ): Instance
  }
  function autocannon(options: Options): Instance
  export default autocannon
}
