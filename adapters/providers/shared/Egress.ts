/**
 * The SSRF guard for requests to URLs users typed (a WooCommerce store URL): only https, no embedded credentials,
 * and only public addresses — loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT,
 * multicast, reserved and documentation ranges, IPv4-mapped/NAT64 IPv6 are refused. It checks twice:
 *
 * - `check` before anything is stored or redirected to: the URL, then every address its host resolves to
 *   (IPv4-compatible, -mapped and -translated IPv6 forms are refused outright);
 * - `http`, the HTTP client for such URLs, re-checks the address actually connected to (a DNS lookup hook in the
 *   socket connect), so a host that resolves to a public address at check time and a private one later (DNS
 *   rebinding) is still refused. Redirects are never followed.
 *
 * Development and tests may allow explicit origins (`OUTBOUND_ALLOWED_ORIGINS=http://127.0.0.1:4567`) for fakes
 * on loopback; production refuses that setting at startup.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Config, Context, Effect, Layer, Schema } from "effect"
import { HttpClient } from "effect/http"
import { lookup as dnsLookup, type LookupAddress } from "node:dns"
import { BlockList, isIP } from "node:net"

// Two lists: Node's BlockList matches IPv4 addresses against IPv4-mapped IPv6 ranges, and ::ffff:0:0/96 is blocked.
const blocked4 = new BlockList()
const blocked6 = new BlockList()
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4]
] as const)
  blocked4.addSubnet(net, prefix, "ipv4")
for (const [net, prefix] of [
  ["::", 96],
  ["::ffff:0:0", 96],
  ["::ffff:0:0:0", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 32],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8]
] as const)
  blocked6.addSubnet(net, prefix, "ipv6")

/** True when the address is a public unicast address a user-supplied URL may reach. */
export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 0) return false
  return family === 4 ? !blocked4.check(address, "ipv4") : !blocked6.check(address, "ipv6")
}

export const EgressRefusal = Schema.Literals([
  "invalid_url",
  "scheme",
  "credentials",
  "port",
  "private_address",
  "unresolvable"
])
export type EgressRefusal = typeof EgressRefusal.Type

export class EgressRefused extends Schema.TaggedError<EgressRefused>()("EgressRefused", {
  reason: EgressRefusal,
  host: Schema.String
}) {}

export interface EgressOptions {
  /** Origins (`scheme://host:port`) allowed despite the rules: development fakes only. */
  readonly allowedOrigins: ReadonlyArray<string>
  /** Resolves a host name to all its addresses (the system resolver unless a test replaces it). */
  readonly resolve?: ((host: string) => Promise<ReadonlyArray<string>>) | undefined
}

const systemResolve = (host: string) =>
  new Promise<ReadonlyArray<string>>((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address))
    )
  )

const bareHost = (url: URL) =>
  url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase()

export class EgressGuard extends Context.Service<
  EgressGuard,
  {
    /** The URL if users may make us call it; every address of its host is checked. */
    readonly check: (raw: string) => Effect.Effect<URL, EgressRefused>
    /** An HTTP client that refuses to connect to a non-public address, whatever DNS answers by then. */
    readonly http: HttpClient.HttpClient
  }
>()("tradeport/adapters/providers/shared/EgressGuard") {
  static readonly layer = (options: EgressOptions) =>
    Layer.unwrap(
      Effect.sync(() => {
        const allowed = new Set(options.allowedOrigins.map((o) => new URL(o).origin))
        const allowedHosts = new Set([...allowed].map((o) => bareHost(new URL(o))))
        const resolve = options.resolve ?? systemResolve

        const check = (raw: string) =>
          Effect.gen(function* () {
            let url: URL
            try {
              url = new URL(raw)
            } catch {
              return yield* new EgressRefused({ reason: "invalid_url", host: "" })
            }
            const host = bareHost(url)
            if (url.username !== "" || url.password !== "")
              return yield* new EgressRefused({ reason: "credentials", host })
            if (allowed.has(url.origin)) return url
            if (url.protocol !== "https:") return yield* new EgressRefused({ reason: "scheme", host })
            // Only https's own port (URL drops an explicit :443): another port reaches another service of that host.
            if (url.port !== "") return yield* new EgressRefused({ reason: "port", host })
            if (isIP(host) !== 0) {
              if (!isPublicAddress(host)) return yield* new EgressRefused({ reason: "private_address", host })
              return url
            }
            const addresses = yield* Effect.tryPromise(() => resolve(host)).pipe(
              Effect.orElseSucceed((): ReadonlyArray<string> => [])
            )
            if (addresses.length === 0) return yield* new EgressRefused({ reason: "unresolvable", host })
            if (!addresses.every(isPublicAddress)) return yield* new EgressRefused({ reason: "private_address", host })
            return url
          })

        // Runs inside the socket connect: the addresses checked are the ones connected to.
        const lookup = (
          hostname: string,
          lookupOptions: { readonly all?: boolean | undefined },
          callback: (
            error: NodeJS.ErrnoException | null,
            address: string | Array<LookupAddress>,
            family?: number
          ) => void
        ) => {
          dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
            if (error) return callback(error, "")
            const refusedHost =
              !allowedHosts.has(hostname.toLowerCase()) && !addresses.every((a) => isPublicAddress(a.address))
            const [first] = addresses
            if (refusedHost || first === undefined) {
              const refused: NodeJS.ErrnoException = new Error(
                `refused to connect to a non-public address of ${hostname}`
              )
              refused.code = "EGRESS_REFUSED"
              return callback(refused, "")
            }
            if (lookupOptions.all === true) return callback(null, addresses)
            return callback(null, first.address, first.family)
          })
        }

        return Layer.effect(
          EgressGuard,
          Effect.gen(function* () {
            const http = yield* HttpClient.HttpClient
            return EgressGuard.of({ check, http })
          })
        ).pipe(Layer.provide(NodeHttpClient.layerUndiciOptions({ connect: { lookup } })))
      })
    )

  /** Reads OUTBOUND_ALLOWED_ORIGINS (comma-separated origins). */
  static readonly layerConfig = Layer.unwrap(
    Config.String("OUTBOUND_ALLOWED_ORIGINS").pipe(
      Config.withDefault(""),
      Config.map((raw) =>
        raw
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      ),
      Effect.map((allowedOrigins) => EgressGuard.layer({ allowedOrigins }))
    )
  )
}
