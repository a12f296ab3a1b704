/**
 * Port: shipments of orders. Organisation-scoped methods run under that organisation's row-level security; the
 * tracking poller lists open shipments across organisations on the platform path, oldest checked first.
 */
import { Context, type Effect, type Option } from "effect"
import type { OrderId } from "../../orders/Order.ts"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type { ProviderId, Shipment, ShipmentId, TrackingStatus } from "../Shipment.ts"

export interface NewShipment {
  readonly id: ShipmentId
  readonly orderId: OrderId
  readonly connectionId: string
  readonly carrier: ProviderId
  readonly service: string
  readonly trackingNumber: string
  readonly labelReference: string
}

export interface OpenShipment {
  readonly organizationId: OrgId
  readonly id: ShipmentId
  readonly connectionId: string
  readonly carrier: ProviderId
  readonly trackingNumber: string
}

export interface ShipmentRepositoryShape {
  readonly record: (organizationId: OrgId, shipment: NewShipment) => Effect.Effect<Shipment, PersistenceError>
  readonly forOrder: (
    organizationId: OrgId,
    orderId: OrderId
  ) => Effect.Effect<ReadonlyArray<Shipment>, PersistenceError>
  readonly get: (organizationId: OrgId, id: ShipmentId) => Effect.Effect<Option.Option<Shipment>, PersistenceError>
  /** Records a tracking state; `changed` is false when it was already the shipment's state. */
  readonly track: (
    organizationId: OrgId,
    id: ShipmentId,
    status: TrackingStatus,
    description: string
  ) => Effect.Effect<{ readonly changed: boolean }, PersistenceError>
  /** Platform path: shipments not delivered, least recently checked first; marks them checked now. */
  readonly claimOpen: (limit: number) => Effect.Effect<ReadonlyArray<OpenShipment>, PersistenceError>
}

export class ShipmentRepository extends Context.Service<ShipmentRepository, ShipmentRepositoryShape>()(
  "tradeport/core/shipping/ports/ShipmentRepository"
) {}
