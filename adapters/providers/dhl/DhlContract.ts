/**
 * DHL eCommerce Americas API v4 (OAuth `/auth/v4/accesstoken`, products and rates `/shipping/v4/products`, labels
 * `/shipping/v4/label`, tracking `/tracking/v4/package/open`): request bodies and the parts of the answers we read,
 * mapped into core shipping. Hosts: `api-sandbox.dhlecs.com`, `api.dhlecs.com`. No I/O.
 */
import { Option, Schema } from "effect"
import { createHash } from "node:crypto"
import { type Address, RateQuote, type ShipmentRequest, type TrackingStatus } from "../../../core/shipping/Shipment.ts"

export const HOSTS = { sandbox: "https://api-sandbox.dhlecs.com", live: "https://api.dhlecs.com" } as const
export const TOKEN_PATH = "/auth/v4/accesstoken"

export interface DhlAccount {
  readonly pickup: string
  readonly distributionCenter: string
}

const address = (a: Address) => ({
  name: a.name,
  address1: a.street1,
  city: a.city,
  postalCode: a.postalCode,
  country: a.countryCode,
  ...(a.stateOrProvince === undefined ? {} : { state: a.stateOrProvince }),
  ...(a.phone === undefined ? {} : { phone: a.phone })
})

const packageDetail = (request: ShipmentRequest, packageId?: string) => ({
  ...(packageId === undefined ? {} : { packageId }),
  weight: { value: request.parcel.weightGrams, unitOfMeasure: "G" },
  ...(request.parcel.lengthCm !== undefined &&
  request.parcel.widthCm !== undefined &&
  request.parcel.heightCm !== undefined
    ? {
        dimension: {
          length: request.parcel.lengthCm,
          width: request.parcel.widthCm,
          height: request.parcel.heightCm,
          unitOfMeasure: "CM"
        }
      }
    : {})
})

export const productsRequest = (account: DhlAccount, request: ShipmentRequest) => ({
  pickup: account.pickup,
  distributionCenter: account.distributionCenter,
  consigneeAddress: address(request.to),
  returnAddress: address(request.from),
  packageDetail: packageDetail(request),
  rate: { calculate: true, currency: "USD" },
  estimatedDeliveryDate: { calculate: true }
})

/**
 * DHL's package id is ours to choose and must be unique per pickup account: derived from the purchase reference
 * (order and Idempotency-Key), so a second parcel for an order, or a retry with a new key, gets its own.
 */
export const packageIdFor = (reference: string) =>
  `TP${createHash("sha256").update(reference).digest("hex").slice(0, 28).toUpperCase()}`

export const labelRequest = (account: DhlAccount, request: ShipmentRequest, product: string, reference: string) => ({
  pickup: account.pickup,
  distributionCenter: account.distributionCenter,
  orderedProductId: product,
  consigneeAddress: address(request.to),
  returnAddress: address(request.from),
  packageDetail: packageDetail(request, packageIdFor(reference))
})

export const ProductsResponse = Schema.Struct({
  products: Schema.Array(
    Schema.Struct({
      orderedProductId: Schema.String,
      productName: Schema.optional(Schema.String),
      rate: Schema.optional(Schema.Struct({ amount: Schema.Number, currency: Schema.String })),
      estimatedDeliveryDate: Schema.optional(Schema.Struct({ deliveryDaysMin: Schema.optional(Schema.Int) }))
    })
  )
})

export const LabelResponse = Schema.Struct({
  labels: Schema.Array(
    Schema.Struct({
      packageId: Schema.String,
      dhlPackageId: Schema.String,
      trackingId: Schema.optional(Schema.String)
    })
  )
})

export const TrackResponse = Schema.Struct({
  packages: Schema.Array(
    Schema.Struct({
      package: Schema.Struct({
        packageId: Schema.optional(Schema.String),
        dhlPackageId: Schema.optional(Schema.String)
      }),
      events: Schema.Array(Schema.Struct({ primaryEventDescription: Schema.String }))
    })
  )
})

export const toQuotes = (response: typeof ProductsResponse.Type) =>
  response.products.flatMap((p) =>
    p.rate === undefined
      ? []
      : [
          new RateQuote({
            carrier: "dhl",
            service: p.orderedProductId,
            serviceName: p.productName ?? p.orderedProductId,
            totalCents: Math.round(p.rate.amount * 100),
            currency: p.rate.currency,
            transitDays: p.estimatedDeliveryDate?.deliveryDaysMin ?? null
          })
        ]
  )

export const toLabel = (response: typeof LabelResponse.Type, product: string) =>
  Option.map(Option.fromNullishOr(response.labels[0]), (l) => ({
    trackingNumber: l.dhlPackageId,
    labelReference: l.dhlPackageId,
    service: product
  }))

/** DHL eCommerce event descriptions, by what they mean for a parcel (the newest event first). */
export const statusOf = (description: string | undefined): TrackingStatus => {
  const d = (description ?? "").toLowerCase()
  if (d === "") return "unknown"
  if (d.includes("delivered")) return "delivered"
  if (d.includes("out for delivery")) return "out_for_delivery"
  if (/exception|undeliverable|returned|delay|damaged/.test(d)) return "exception"
  if (/label created|electronic notification|shipment data received/.test(d)) return "label_created"
  return "in_transit"
}
