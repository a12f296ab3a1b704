/**
 * Polls carriers for the tracking state of shipments not delivered yet, least recently checked first (claims
 * stamp them, so several scheduler instances spread the work). A carrier that fails is logged and its shipments
 * are checked again on a later run; a delivered shipment is not polled any more.
 */
import { Config, Duration, Effect } from "effect"
import type { OpenShipment } from "../../core/shipping/ports/ShipmentRepository.ts"
import { ShipmentRepository } from "../../core/shipping/ports/ShipmentRepository.ts"
import { trackShipment } from "../../core/shipping/Shipping.ts"
import type { Job } from "./JobRunner.ts"

export const TrackingPollConfig = Config.all({
  every: Config.Duration("JOB_POLL_CARRIER_TRACKING_EVERY").pipe(Config.withDefault(Duration.minutes(15))),
  batch: Config.Int("TRACKING_POLL_BATCH").pipe(Config.withDefault(100)),
  concurrency: Config.Int("TRACKING_POLL_CONCURRENCY").pipe(Config.withDefault(4))
})

const trackOne = (shipment: OpenShipment) =>
  trackShipment(shipment).pipe(
    Effect.catch((e) =>
      Effect.logWarning("tracking poll failed").pipe(
        Effect.annotateLogs({ shipmentId: shipment.id, carrier: shipment.carrier, error: e._tag }),
        Effect.as("failed" as const)
      )
    )
  )

export const pollCarrierTrackingJob = (config: Effect.Success<typeof TrackingPollConfig>) =>
  ({
    name: "poll-carrier-tracking",
    every: config.every,
    timeout: Duration.minutes(5),
    run: Effect.gen(function* () {
      const open = yield* (yield* ShipmentRepository).claimOpen(config.batch)
      if (open.length === 0) return
      const outcomes = yield* Effect.forEach(open, trackOne, { concurrency: config.concurrency })
      yield* Effect.logInfo("carrier tracking polled").pipe(
        Effect.annotateLogs({
          shipments: open.length,
          changed: outcomes.filter((o) => o === "changed").length,
          failed: outcomes.filter((o) => o === "failed").length
        })
      )
    })
  }) satisfies Job<unknown>
