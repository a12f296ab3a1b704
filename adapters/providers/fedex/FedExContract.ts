/**
 * FedEx REST APIs (OAuth `/oauth/token`, Rate `/rate/v1/rates/quotes`, Ship `/ship/v1/shipments`, Track
 * `/track/v1/trackingnumbers`): the request bodies we send and the parts of the answers we read, mapped into core
 * shipping. Hosts: `apis-sandbox.fedex.com`, `apis.fedex.com`. No I/O.
 */
import { Option, Schema } from "effect"
import { type Address, RateQuote, type ShipmentRequest, type TrackingStatus } from "../../../core/shipping/Shipment.ts"

export const HOSTS = { sandbox: "https://apis-sandbox.fedex.com", live: "https://apis.fedex.com" } as const
export const TOKEN_PATH = "/oauth/token"

const address = (a: Address) => ({
  streetLines: [a.street1],
  city: a.city,
  postalCode: a.postalCode,
  countryCode: a.countryCode,
  ...(a.stateOrProvince === undefined ? {} : { stateOrProvinceCode: a.stateOrProvince })
})

const packages = (request: ShipmentRequest) => [
  {
    weight: { units: "KG", value: request.parcel.weightGrams / 1000 },
    ...(request.parcel.lengthCm !== undefined &&
    request.parcel.widthCm !== undefined &&
    request.parcel.heightCm !== undefined
      ? {
          dimensions: {
            length: request.parcel.lengthCm,
            width: request.parcel.widthCm,
            height: request.parcel.heightCm,
            units: "CM"
          }
        }
      : {})
  }
]

export const rateRequest = (accountNumber: string, request: ShipmentRequest) => ({
  accountNumber: { value: accountNumber },
  requestedShipment: {
    shipper: { address: address(request.from) },
    recipient: { address: address(request.to) },
    pickupType: "DROPOFF_AT_FEDEX_LOCATION",
    rateRequestType: ["ACCOUNT"],
    requestedPackageLineItems: packages(request)
  }
})

const party = (a: Address) => ({
  contact: { personName: a.name, phoneNumber: a.phone ?? "0000000000" },
  address: address(a)
})

export const shipRequest = (
  accountNumber: string,
  request: ShipmentRequest,
  serviceType: string,
  reference: string
) => ({
  labelResponseOptions: "URL_ONLY",
  accountNumber: { value: accountNumber },
  requestedShipment: {
    shipper: party(request.from),
    recipients: [party(request.to)],
    serviceType,
    packagingType: "YOUR_PACKAGING",
    pickupType: "DROPOFF_AT_FEDEX_LOCATION",
    shippingChargesPayment: { paymentType: "SENDER" },
    labelSpecification: { imageType: "PDF", labelStockType: "PAPER_85X11_TOP_HALF_LABEL" },
    requestedPackageLineItems: packages(request).map((p) => ({
      ...p,
      customerReferences: [
        { customerReferenceType: "CUSTOMER_REFERENCE", value: (reference.split("/")[0] ?? reference).slice(0, 40) }
      ]
    }))
  }
})

export const trackRequest = (trackingNumber: string) => ({
  includeDetailedScans: false,
  trackingInfo: [{ trackingNumberInfo: { trackingNumber } }]
})

export const RateResponse = Schema.Struct({
  output: Schema.Struct({
    rateReplyDetails: Schema.Array(
      Schema.Struct({
        serviceType: Schema.String,
        serviceName: Schema.optional(Schema.String),
        ratedShipmentDetails: Schema.Array(
          Schema.Struct({ totalNetCharge: Schema.Number, currency: Schema.optional(Schema.String) })
        ),
        operationalDetail: Schema.optional(Schema.Struct({ transitTime: Schema.optional(Schema.String) }))
      })
    )
  })
})

export const ShipResponse = Schema.Struct({
  output: Schema.Struct({
    transactionShipments: Schema.Array(
      Schema.Struct({
        serviceType: Schema.String,
        masterTrackingNumber: Schema.String,
        pieceResponses: Schema.Array(
          Schema.Struct({
            trackingNumber: Schema.String,
            packageDocuments: Schema.optional(Schema.Array(Schema.Struct({ url: Schema.optional(Schema.String) })))
          })
        )
      })
    )
  })
})

export const TrackResponse = Schema.Struct({
  output: Schema.Struct({
    completeTrackResults: Schema.Array(
      Schema.Struct({
        trackingNumber: Schema.String,
        trackResults: Schema.Array(
          Schema.Struct({
            latestStatusDetail: Schema.optional(
              Schema.Struct({ code: Schema.optional(Schema.String), description: Schema.optional(Schema.String) })
            ),
            error: Schema.optional(Schema.Struct({ code: Schema.String }))
          })
        )
      })
    )
  })
})

const TRANSIT = ["ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN"]

/** `THREE_DAYS` → 3. */
export const transitDays = (value: string | undefined) => {
  const index = TRANSIT.indexOf((value ?? "").replace(/_DAYS?$/, ""))
  return index < 0 ? null : index + 1
}

export const toQuotes = (response: typeof RateResponse.Type) =>
  response.output.rateReplyDetails.flatMap((d) => {
    const charge = d.ratedShipmentDetails[0]
    if (charge === undefined) return []
    return [
      new RateQuote({
        carrier: "fedex",
        service: d.serviceType,
        serviceName: d.serviceName ?? d.serviceType,
        totalCents: Math.round(charge.totalNetCharge * 100),
        currency: charge.currency ?? "USD",
        transitDays: transitDays(d.operationalDetail?.transitTime)
      })
    ]
  })

export const toLabel = (response: typeof ShipResponse.Type) =>
  Option.map(Option.fromNullishOr(response.output.transactionShipments[0]), (s) => ({
    trackingNumber: s.masterTrackingNumber,
    labelReference: s.pieceResponses[0]?.packageDocuments?.[0]?.url ?? s.masterTrackingNumber,
    service: s.serviceType
  }))

/** FedEx's status codes, by what they mean for a parcel. */
export const statusOf = (code: string | undefined): TrackingStatus => {
  switch (code) {
    case "OC":
    case "IN":
      return "label_created"
    case "PU":
    case "IT":
    case "AR":
    case "DP":
    case "AF":
    case "OW":
    case "CC":
    case "IX":
      return "in_transit"
    case "OD":
      return "out_for_delivery"
    case "DL":
      return "delivered"
    case "DE":
    case "SE":
    case "CA":
    case "RS":
    case "DY":
      return "exception"
    default:
      return "unknown"
  }
}
