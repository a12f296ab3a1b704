/**
 * UPS JSON REST APIs (OAuth client credentials `/security/v1/oauth/token`, Rating `/api/rating/{version}/Shop`,
 * Shipping `/api/shipments/{version}/ship`, Tracking `/api/track/v1/details/{inquiryNumber}`): the request bodies we
 * send, the parts of the answers we read, and their mapping into core shipping. Hosts: `wwwcie.ups.com` (test),
 * `onlinetools.ups.com` (production). Facts and their sources: PROTOCOL.md beside this file. No I/O, no HTTP.
 */
import { Option, Schema, SchemaGetter } from "effect"
import { randomUUID } from "node:crypto"
import {
  type Address,
  type Label,
  RateQuote,
  type ShipmentRequest,
  type TrackingStatus,
  type TrackingUpdate
} from "../../../core/shipping/Shipment.ts"

export const HOSTS = { sandbox: "https://wwwcie.ups.com", live: "https://onlinetools.ups.com" } as const
export const TOKEN_PATH = "/security/v1/oauth/token"
/** The Rating and Shipping path version; from v2409 on, lists always come back as arrays. */
export const API_VERSION = "v2409"
export const SHIP_PATH = `/api/shipments/${API_VERSION}/ship`
/** `Shop` rates every service between the two addresses; `Rate` only the one named in the request. */
export const ratePath = (option: "Rate" | "Shop" = "Shop") => `/api/rating/${API_VERSION}/${option}`
export const trackPath = (trackingNumber: string) => `/api/track/v1/details/${encodeURIComponent(trackingNumber)}`

/** Who is calling, sent as `transactionSrc` (UPS allows up to 512 characters). */
export const TRANSACTION_SOURCE = "tradeport"
/** A request id for `transId`: unique per request, at most 32 characters (a UUID without its hyphens). */
export const newTransId = () => randomUUID().replace(/-/g, "")
export const transactionHeaders = (transId: string = newTransId()) => ({ transId, transactionSrc: TRANSACTION_SOURCE })

// ---------------------------------------------------------------------------------------------- units

/** UPS wants the shipper country's own system: imperial for US and Puerto Rico origins, metric elsewhere. */
export const unitsFor = (originCountry: string) =>
  originCountry === "US" || originCountry === "PR"
    ? ({ weight: "LBS", weightName: "Pounds", length: "IN", lengthName: "Inches" } as const)
    : ({ weight: "KGS", weightName: "Kilograms", length: "CM", lengthName: "Centimeters" } as const)

/** Rounded up (a parcel is never declared lighter or smaller than it is), printed without trailing zeros. */
const ceilTo = (value: number, places: number) => {
  const factor = 10 ** places
  return String(Number((Math.ceil(value * factor - 1e-9) / factor).toFixed(places)))
}

/** Grams as a UPS weight string: one decimal, in pounds or kilograms. */
export const weightOf = (grams: number, unit: "LBS" | "KGS") =>
  ceilTo(unit === "LBS" ? grams / 453.59237 : grams / 1000, 1)

/** Centimetres as a UPS dimension string: two decimals at most, in inches or centimetres. */
export const lengthOf = (cm: number, unit: "IN" | "CM") => ceilTo(unit === "IN" ? cm / 2.54 : cm, 2)

// ---------------------------------------------------------------------------------------------- requests

const upTo = (max: number) => (text: string) => text.slice(0, max)

/** US ZIP+4 is sent without its hyphen (UPS postal codes are at most 9 characters). */
const postalCode = (a: Address) => (/^\d{5}-\d{4}$/.test(a.postalCode) ? a.postalCode.replace("-", "") : a.postalCode)

const address = (a: Address) => ({
  AddressLine: [upTo(35)(a.street1)],
  City: upTo(30)(a.city),
  ...(a.stateOrProvince === undefined ? {} : { StateProvinceCode: a.stateOrProvince }),
  PostalCode: postalCode(a),
  CountryCode: a.countryCode
})

/** UPS phone numbers are digits only, at most 15. */
const phone = (a: Address) => {
  const digits = (a.phone ?? "").replace(/\D/g, "").slice(0, 15)
  return digits === "" ? {} : { Phone: { Number: digits } }
}

const name35 = upTo(35)

const party = (a: Address) => ({
  Name: name35(a.name),
  AttentionName: name35(a.name),
  ...phone(a),
  Address: address(a)
})

const measures = (request: ShipmentRequest) => {
  const units = unitsFor(request.from.countryCode)
  const { lengthCm, widthCm, heightCm, weightGrams } = request.parcel
  return {
    ...(lengthCm !== undefined && widthCm !== undefined && heightCm !== undefined
      ? {
          Dimensions: {
            UnitOfMeasurement: { Code: units.length, Description: units.lengthName },
            Length: lengthOf(lengthCm, units.length),
            Width: lengthOf(widthCm, units.length),
            Height: lengthOf(heightCm, units.length)
          }
        }
      : {}),
    PackageWeight: {
      UnitOfMeasurement: { Code: units.weight, Description: units.weightName },
      Weight: weightOf(weightGrams, units.weight)
    }
  }
}

/** Transportation charges (type 01) billed to the shipper's own account. */
const billShipper = (account: string) => ({ ShipmentCharge: [{ Type: "01", BillShipper: { AccountNumber: account } }] })

/** A Shop request: every service UPS offers between the addresses, with the account's negotiated rates if any. */
export const rateRequest = (accountNumber: string, request: ShipmentRequest) => ({
  RateRequest: {
    Request: { RequestOption: "Shop", TransactionReference: { CustomerContext: TRANSACTION_SOURCE } },
    Shipment: {
      Shipper: { Name: name35(request.from.name), ShipperNumber: accountNumber, Address: address(request.from) },
      ShipTo: { Name: name35(request.to.name), Address: address(request.to) },
      ShipFrom: { Name: name35(request.from.name), Address: address(request.from) },
      PaymentDetails: billShipper(accountNumber),
      ShipmentRatingOptions: { NegotiatedRatesIndicator: "Y" },
      NumOfPieces: "1",
      Package: [{ PackagingType: { Code: "02", Description: "Package" }, ...measures(request) }]
    }
  }
})

/** Our purchase reference (`{orderId}/{idempotencyKey}`) as a UPS reference value: the order, 35 characters. */
export const referenceValue = (reference: string) => {
  const order = reference.split("/")[0] ?? reference
  return (order.length > 35 ? order.replace(/-/g, "") : order).slice(0, 35)
}

/** UPS takes package-level references only within the US or Puerto Rico, shipment-level ones only outside. */
const domestic = (request: ShipmentRequest) =>
  request.from.countryCode === request.to.countryCode && ["US", "PR"].includes(request.from.countryCode)

export const shipRequest = (accountNumber: string, request: ShipmentRequest, service: string, reference: string) => {
  const references = [{ Value: referenceValue(reference) }]
  return {
    ShipmentRequest: {
      Request: { RequestOption: "nonvalidate", TransactionReference: { CustomerContext: reference.slice(0, 512) } },
      Shipment: {
        ...(request.from.countryCode === request.to.countryCode ? {} : { Description: "Merchandise" }),
        Shipper: { ...party(request.from), ShipperNumber: accountNumber },
        ShipTo: party(request.to),
        ShipFrom: party(request.from),
        PaymentInformation: billShipper(accountNumber),
        Service: { Code: service },
        ...(domestic(request) ? {} : { ReferenceNumber: references }),
        Package: [
          {
            Packaging: { Code: "02", Description: "Customer Supplied Package" },
            ...measures(request),
            ...(domestic(request) ? { ReferenceNumber: references } : {})
          }
        ]
      },
      LabelSpecification: {
        LabelImageFormat: { Code: "GIF", Description: "GIF" },
        LabelStockSize: { Height: "6", Width: "4" }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------- responses

/** UPS answers a one-element list as a bare object for older versions (see PROTOCOL.md): decoded as an array. */
const OneOrMany = <S extends Schema.Top>(item: S) =>
  Schema.Union([Schema.Array(item), item]).pipe(
    Schema.decodeTo(Schema.Array(Schema.toType(item)), {
      decode: SchemaGetter.transform(
        (value: ReadonlyArray<S["Type"]> | S["Type"]): ReadonlyArray<S["Type"]> => (isList(value) ? value : [value])
      ),
      encode: SchemaGetter.transform((list: ReadonlyArray<S["Type"]>) => list)
    })
  )

const isList = <A>(value: ReadonlyArray<A> | A): value is ReadonlyArray<A> => Array.isArray(value)

export const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  /** Seconds, as a string ("14399"). */
  expires_in: Schema.optional(Schema.String),
  token_type: Schema.optional(Schema.String),
  status: Schema.optional(Schema.String)
})

export const ErrorResponse = Schema.Struct({
  response: Schema.Struct({
    errors: Schema.Array(Schema.Struct({ code: Schema.String, message: Schema.optional(Schema.String) }))
  })
})

/** The first UPS error in a body, if the body is UPS's error shape. */
export const errorOf = (body: unknown) =>
  Option.flatMap(Schema.decodeUnknownOption(ErrorResponse)(body), (e) => Option.fromNullishOr(e.response.errors[0]))

const Money = Schema.Struct({ CurrencyCode: Schema.String, MonetaryValue: Schema.String })
const Days = Schema.Struct({ BusinessDaysInTransit: Schema.optional(Schema.String) })

export const RatedShipment = Schema.Struct({
  Service: Schema.Struct({ Code: Schema.String, Description: Schema.optional(Schema.String) }),
  TotalCharges: Money,
  NegotiatedRateCharges: Schema.optional(Schema.Struct({ TotalCharge: Schema.optional(Money) })),
  GuaranteedDelivery: Schema.optional(Days),
  TimeInTransit: Schema.optional(
    Schema.Struct({
      ServiceSummary: Schema.optional(Schema.Struct({ EstimatedArrival: Schema.optional(Days) }))
    })
  )
})

export const RateResponse = Schema.Struct({
  RateResponse: Schema.Struct({ RatedShipment: OneOrMany(RatedShipment) })
})

export const ShipResponse = Schema.Struct({
  ShipmentResponse: Schema.Struct({
    ShipmentResults: Schema.Struct({
      ShipmentIdentificationNumber: Schema.optional(Schema.String),
      LabelURL: Schema.optional(Schema.String),
      PackageResults: Schema.optional(
        OneOrMany(
          Schema.Struct({
            TrackingNumber: Schema.String,
            ShippingLabel: Schema.optional(
              Schema.Struct({
                ImageFormat: Schema.optional(Schema.Struct({ Code: Schema.String })),
                GraphicImage: Schema.optional(Schema.String)
              })
            )
          })
        )
      )
    })
  })
})

const Status = Schema.Struct({
  type: Schema.optional(Schema.String),
  code: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String)
})

export const TrackResponse = Schema.Struct({
  trackResponse: Schema.Struct({
    shipment: Schema.Array(
      Schema.Struct({
        inquiryNumber: Schema.optional(Schema.String),
        package: Schema.optional(
          Schema.Array(
            Schema.Struct({
              trackingNumber: Schema.optional(Schema.String),
              currentStatus: Schema.optional(Status),
              /** Newest first. */
              activity: Schema.optional(Schema.Array(Schema.Struct({ status: Schema.optional(Status) })))
            })
          )
        ),
        warnings: Schema.optional(Schema.Array(Schema.Struct({ code: Schema.optional(Schema.String) })))
      })
    )
  })
})

// ---------------------------------------------------------------------------------------------- mapping

const SERVICE_NAMES: Record<string, string> = {
  "01": "UPS Next Day Air",
  "02": "UPS 2nd Day Air",
  "03": "UPS Ground",
  "07": "UPS Worldwide Express",
  "08": "UPS Worldwide Expedited",
  "11": "UPS Standard",
  "12": "UPS 3 Day Select",
  "13": "UPS Next Day Air Saver",
  "14": "UPS Next Day Air Early",
  "54": "UPS Worldwide Express Plus",
  "59": "UPS 2nd Day Air A.M.",
  "65": "UPS Saver",
  "71": "UPS Worldwide Express Freight Midday",
  "75": "UPS Heavy Goods",
  "96": "UPS Worldwide Express Freight"
}

/** UPS money strings ("12.34") to cents, half up; nothing for anything that is not a plain decimal. */
export const centsOf = (value: string) => {
  const match = /^\s*(\d+)(?:\.(\d*))?\s*$/.exec(value)
  if (match === null) return undefined
  const thousandths = Number(match[1]) * 1000 + Number(`${match[2] ?? ""}000`.slice(0, 3))
  return Math.round(thousandths / 10)
}

const days = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : null)

/** Negotiated (contract) charges when UPS returns them, the published ones otherwise. */
export const toQuotes = (response: typeof RateResponse.Type) =>
  response.RateResponse.RatedShipment.flatMap((rated) => {
    const charge = rated.NegotiatedRateCharges?.TotalCharge ?? rated.TotalCharges
    const totalCents = centsOf(charge.MonetaryValue)
    if (totalCents === undefined) return []
    const description = rated.Service.Description?.trim() ?? ""
    return [
      new RateQuote({
        carrier: "ups",
        service: rated.Service.Code,
        serviceName:
          description !== "" ? description : (SERVICE_NAMES[rated.Service.Code] ?? `UPS ${rated.Service.Code}`),
        totalCents,
        currency: charge.CurrencyCode,
        transitDays:
          days(rated.GuaranteedDelivery?.BusinessDaysInTransit) ??
          days(rated.TimeInTransit?.ServiceSummary?.EstimatedArrival?.BusinessDaysInTransit)
      })
    ]
  })

/** UPS does not echo the service in the ship answer: the one we asked for is passed in. */
export const toLabel = (response: typeof ShipResponse.Type, service: string): Option.Option<Label> => {
  const results = response.ShipmentResponse.ShipmentResults
  const trackingNumber = results.PackageResults?.[0]?.TrackingNumber ?? results.ShipmentIdentificationNumber
  return trackingNumber === undefined
    ? Option.none()
    : Option.some({ trackingNumber, labelReference: results.LabelURL ?? trackingNumber, service })
}

/** The label image UPS sends inline (base64), for whoever stores label documents. */
export const labelImage = (response: typeof ShipResponse.Type) => {
  const label = response.ShipmentResponse.ShipmentResults.PackageResults?.[0]?.ShippingLabel
  return label?.GraphicImage === undefined
    ? Option.none()
    : Option.some({ format: label.ImageFormat?.Code ?? "GIF", base64: label.GraphicImage })
}

/**
 * UPS activity status types (M manifest: label created, P pickup, I in transit, O out for delivery, D delivered,
 * X exception), refined by a few status codes: OT (out for delivery today) and RS (returned to shipper).
 */
export const statusOf = (type: string | undefined, code?: string | undefined): TrackingStatus => {
  if (code === "RS") return "exception"
  switch (type) {
    case "M":
      return "label_created"
    case "P":
      return "in_transit"
    case "I":
      return code === "OT" ? "out_for_delivery" : "in_transit"
    case "O":
      return "out_for_delivery"
    case "D":
      return "delivered"
    case "X":
      return "exception"
    default:
      return code === "MP" ? "label_created" : "unknown"
  }
}

/** The newest activity's status (falling back to `currentStatus`); nothing when UPS knows no package. */
export const trackingOf = (response: typeof TrackResponse.Type): Option.Option<TrackingUpdate> => {
  const shipment = response.trackResponse.shipment[0]
  const found = shipment?.package?.[0]
  const trackingNumber = found?.trackingNumber ?? shipment?.inquiryNumber
  if (found === undefined || trackingNumber === undefined) return Option.none()
  const latest = found.activity?.[0]?.status
  const status = latest?.type !== undefined || latest?.code !== undefined ? latest : found.currentStatus
  return Option.some({
    trackingNumber,
    status: statusOf(status?.type, status?.code),
    description: (status?.description ?? found.currentStatus?.description ?? "").trim()
  })
}

/** Why UPS returned no package (`TW0001`: tracking information not found). */
export const trackWarning = (response: typeof TrackResponse.Type) =>
  Option.fromNullishOr(response.trackResponse.shipment[0]?.warnings?.[0]?.code)
