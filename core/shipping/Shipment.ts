/**
 * Shipping, provider-neutral: addresses and parcels we ask carriers about, the quotes and labels they answer, the
 * tracking states we map their events into, and shipments (an order's parcel with its carrier, label and tracking
 * number). Carrier adapters speak their wire formats and map into these.
 */
import { Schema } from "effect"
import { OrderId } from "../orders/Order.ts"
import { ProviderId } from "../providers/Provider.ts"

export { ProviderId } from "../providers/Provider.ts"

const Text = (max: number) =>
  Schema.String.pipe(Schema.check(Schema.isTrimmed(), Schema.isMinLength(1), Schema.isMaxLength(max)))

export class Address extends Schema.Class<Address>("Address")({
  name: Text(100),
  street1: Text(100),
  city: Text(60),
  postalCode: Text(16),
  /** ISO 3166-1 alpha-2. */
  countryCode: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{2}$/))),
  stateOrProvince: Schema.optionalKey(Text(40)),
  phone: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^\+?[0-9 ()-]{5,20}$/))))
}) {}

export class Parcel extends Schema.Class<Parcel>("Parcel")({
  weightGrams: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(70_000))),
  lengthCm: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(300)))),
  widthCm: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(300)))),
  heightCm: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(300))))
}) {}

export interface ShipmentRequest {
  readonly from: Address
  readonly to: Address
  readonly parcel: Parcel
}

export class RateQuote extends Schema.Class<RateQuote>("RateQuote")({
  carrier: ProviderId,
  service: Schema.String,
  serviceName: Schema.String,
  totalCents: Schema.Int,
  currency: Schema.String,
  transitDays: Schema.NullOr(Schema.Int)
}) {}

export interface Label {
  readonly trackingNumber: string
  /** Where the carrier keeps the label document (a URL, or the carrier's package id when the label came inline). */
  readonly labelReference: string
  readonly service: string
}

export const TrackingStatus = Schema.Literals([
  "label_created",
  "in_transit",
  "out_for_delivery",
  "delivered",
  "exception",
  "unknown"
])
export type TrackingStatus = typeof TrackingStatus.Type

export interface TrackingUpdate {
  readonly trackingNumber: string
  readonly status: TrackingStatus
  readonly description: string
}

/** A status tracking no longer changes: such shipments are not polled any more. */
export const isFinal = (status: TrackingStatus) => status === "delivered"

export const ShipmentId = Schema.String.pipe(Schema.check(Schema.isUUID()), Schema.brand("ShipmentId"))
export type ShipmentId = typeof ShipmentId.Type

export class Shipment extends Schema.Class<Shipment>("Shipment")({
  id: ShipmentId,
  orderId: OrderId,
  connectionId: Schema.String,
  carrier: ProviderId,
  service: Schema.String,
  trackingNumber: Schema.String,
  labelReference: Schema.String,
  status: TrackingStatus,
  statusDescription: Schema.String,
  createdAt: Schema.String,
  updatedAt: Schema.String
}) {}

/** The carrier cannot be reached or is failing (timeouts, 5xx, circuit open): try again later. */
export class CarrierUnavailable extends Schema.TaggedError<CarrierUnavailable>()("CarrierUnavailable", {
  carrier: ProviderId,
  retryAfterSeconds: Schema.Int,
  /** The request may have reached the carrier (a timeout or 5xx after sending): a purchase may have happened. */
  reached: Schema.Boolean
}) {}

/** The carrier refused the request as such (an address it cannot serve, bad account…): not worth retrying. */
export class CarrierRejected extends Schema.TaggedError<CarrierRejected>()("CarrierRejected", {
  carrier: ProviderId,
  code: Schema.String
}) {}
