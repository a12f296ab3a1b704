/**
 * The readiness registry. Infrastructure adapters and features register probes (database, redis, scheduler, a
 * provider token...) and `/health/ready` runs them all, each bounded by a timeout so readiness never hangs.
 * A critical probe that is down makes the service unready; a non-critical one only degrades it.
 */
import { Context, type Duration, Effect, Layer, Ref } from "effect"

export type ProbeStatus = "up" | "down" | "degraded" | "disabled"

export interface ProbeResult {
  readonly status: ProbeStatus
  readonly detail?: string
}

export interface Probe {
  readonly name: string
  readonly critical: boolean
  readonly check: Effect.Effect<ProbeResult>
}

export type Overall = "ready" | "degraded" | "unready"

export interface ReadinessReport {
  readonly status: Overall
  readonly checks: Readonly<Record<string, ProbeStatus>>
  readonly details: Readonly<Record<string, string>>
}

export const overall = (results: ReadonlyArray<readonly [Probe, ProbeResult]>): Overall => {
  if (results.some(([p, r]) => p.critical && r.status === "down")) return "unready"
  if (results.some(([, r]) => r.status === "down" || r.status === "degraded")) return "degraded"
  return "ready"
}

export class Readiness extends Context.Service<
  Readiness,
  {
    readonly register: (probe: Probe) => Effect.Effect<void>
    readonly report: Effect.Effect<ReadinessReport>
  }
>()("tradeport/core/ops/Readiness") {
  static readonly layer = (probeTimeout: Duration.Input = "2 seconds") =>
    Layer.effect(
      Readiness,
      Effect.gen(function* () {
        const probes = yield* Ref.make<ReadonlyArray<Probe>>([])
        const run = (probe: Probe) =>
          probe.check.pipe(
            Effect.timeoutOrElse({
              duration: probeTimeout,
              orElse: () => Effect.succeed<ProbeResult>({ status: "down", detail: "probe timed out" })
            }),
            Effect.map((result) => [probe, result] as const)
          )
        return Readiness.of({
          register: (probe) => Ref.update(probes, (all) => [...all.filter((p) => p.name !== probe.name), probe]),
          report: Effect.gen(function* () {
            const results = yield* Effect.forEach(yield* Ref.get(probes), run, { concurrency: "unbounded" })
            const checks: Record<string, ProbeStatus> = {}
            const details: Record<string, string> = {}
            for (const [probe, result] of results) {
              checks[probe.name] = result.status
              if (result.detail !== undefined) details[probe.name] = result.detail
            }
            return { status: overall(results), checks, details }
          }).pipe(Effect.withSpan("Readiness.report"))
        })
      })
    )
}
