/**
 * A fake UPS speaking the documented JSON REST protocol over real HTTP on loopback: the OAuth client-credentials
 * token endpoint (HTTP Basic only, parsed here on its own; tokens expire, can be expired or revoked), and Rating
 * (Rate/Shop), Shipping (ship: each call buys a label, counted) and Tracking with bearer tokens, the transId and
 * transactionSrc headers, and UPS's `{response: {errors: [{code, message}]}}` error shape. Versions before v2409
 * (Rating) and v2403 (Shipping) get one-element lists as bare objects, as UPS documents. Knobs match FakeCarriers
 * (modes hang/5xx/429/garbled, revoked tokens, tracking states, reused tracking numbers) plus `failNext(n)`.
 */
import { randomBytes } from "node:crypto"
import type { CarrierMode, FakeCarrier } from "../carriers/FakeCarriers.ts"
import { type FakeRequest, type FakeResponse, startFakeServer } from "../FakeServer.ts"

export interface FakeUps extends FakeCarrier {
  /** The next `n` authorised operations answer 503 (nothing is bought), then service resumes. */
  readonly failNext: (n: number) => void
  /** Every token issued so far is past its expiry from now on. */
  readonly expireTokens: () => void
  /** The `x-merchant-id` header of each token request, in order (undefined when absent). */
  readonly merchantIds: () => ReadonlyArray<string | undefined>
}

export interface FakeUpsOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** Token lifetime in seconds; UPS issues about 4 hours (14399). */
  readonly expiresIn?: number
}

const TOKEN_PATH = "/security/v1/oauth/token"
const RATE = /^\/api\/rating\/(v\d+)\/(rate|shop|ratetimeintransit|shoptimeintransit)$/i
const SHIP = /^\/api\/shipments\/(v\d+)\/ship$/
const TRACK = /^\/api\/track\/v1\/details\/([^/]+)$/
/** A 1×1 GIF, standing in for the label image. */
const GIF = "R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw=="

const error = (status: number, code: string, message: string, headers?: Record<string, string>): FakeResponse => ({
  status,
  ...(headers === undefined ? {} : { headers }),
  json: { response: { errors: [{ code, message }] } }
})

type Json = Record<string, unknown>
const obj = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {}
const str = (value: unknown) => (typeof value === "string" ? value : undefined)
/** UPS accepts a list or a single object in most places. */
const list = (value: unknown): Array<Json> =>
  Array.isArray(value) ? value.map(obj) : value === undefined ? [] : [obj(value)]
const versionOf = (v: string) => Number(v.slice(1))
/** Older versions answer a one-element list as the bare element. */
const shaped = (items: Array<Json>, legacy: boolean): unknown => (legacy && items.length === 1 ? items[0] : items)
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join("")

/** The credentials in an HTTP Basic header, decoded here independently of any client code. */
const basicCredentials = (header: string | undefined) => {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header ?? "")
  if (match === null) return undefined
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

/** Weight and dimensions as UPS checks them: decimal strings, known units, the origin country's system. */
const packageProblem = (pkg: Json, origin: string): string | undefined => {
  const weight = obj(pkg["PackageWeight"])
  const weightUnit = str(obj(weight["UnitOfMeasurement"])["Code"])
  if (weightUnit !== "LBS" && weightUnit !== "KGS") return "PackageWeight.UnitOfMeasurement.Code must be LBS or KGS"
  if (!/^\d{1,4}(\.\d{1,2})?$/.test(str(weight["Weight"]) ?? "")) return "PackageWeight.Weight must be a decimal string"
  const imperial = origin === "US" || origin === "PR"
  if ((weightUnit === "LBS") !== imperial) return `weight unit ${weightUnit} is not valid for origin ${origin}`
  if (pkg["Dimensions"] === undefined) return undefined
  const dims = obj(pkg["Dimensions"])
  const unit = str(obj(dims["UnitOfMeasurement"])["Code"])
  if (unit !== "IN" && unit !== "CM") return "Dimensions.UnitOfMeasurement.Code must be IN or CM"
  if ((unit === "IN") !== imperial) return `dimension unit ${unit} is not valid for origin ${origin}`
  const bad = ["Length", "Width", "Height"].find((k) => !/^\d{1,6}(\.\d{1,2})?$/.test(str(dims[k]) ?? ""))
  return bad === undefined ? undefined : `Dimensions.${bad} must be a decimal string`
}

const success = { ResponseStatus: { Code: "1", Description: "Success" } }

const SERVICES = [
  { code: "03", published: "12.34", negotiated: "10.99", days: undefined },
  { code: "01", published: "56.78", negotiated: "49.50", days: "1" }
] as const

/** What each status type reads like in a UPS activity (type → default code and description). */
const ACTIVITY: Record<string, { readonly code: string; readonly description: string }> = {
  M: { code: "MP", description: "Shipper created a label, UPS has not received the package yet. " },
  P: { code: "XA", description: "Pickup Scan " },
  I: { code: "DP", description: "Departed from Facility" },
  O: { code: "OT", description: "Out For Delivery Today" },
  D: { code: "KB", description: "DELIVERED " },
  X: { code: "X1", description: "The receiver was not available for delivery. We'll make a second attempt." }
}

export const startFakeUps = async (options: FakeUpsOptions): Promise<FakeUps> => {
  const tokens = new Map<string, number>()
  const labels: Array<string> = []
  const tracking = new Map<string, string>()
  const merchantIds: Array<string | undefined> = []
  let next: string | undefined
  let mode: CarrierMode = "ok"
  let failures = 0
  let tokenCount = 0
  let operationCount = 0

  const token = (request: FakeRequest): FakeResponse => {
    tokenCount++
    merchantIds.push(str(request.headers["x-merchant-id"]))
    const credentials = basicCredentials(request.headers["authorization"])
    if (credentials === undefined) return error(401, "10400", "Invalid/Missing Authorization Header")
    if (new URLSearchParams(request.body).get("grant_type") !== "client_credentials") {
      return error(400, "10400", "Invalid grant_type")
    }
    if (credentials.id !== options.clientId || credentials.secret !== options.clientSecret) {
      return error(401, "10401", "ClientId is Invalid")
    }
    const issued = randomBytes(24).toString("base64url")
    const expiresIn = options.expiresIn ?? 14399
    tokens.set(issued, Date.now() + expiresIn * 1000)
    return {
      status: 200,
      json: {
        token_type: "Bearer",
        issued_at: String(Date.now()),
        client_id: credentials.id,
        access_token: issued,
        scope: "",
        expires_in: String(expiresIn),
        refresh_count: "0",
        status: "approved"
      }
    }
  }

  const rate = (version: string, option: string, body: Json): FakeResponse => {
    const shipment = obj(obj(body["RateRequest"])["Shipment"])
    const shipper = obj(shipment["Shipper"])
    const account = str(shipper["ShipperNumber"])
    if (account !== undefined && !/^[A-Z0-9]{6}$/i.test(account)) return error(400, "111100", "Invalid ShipperNumber")
    const origin = str(obj(shipper["Address"])["CountryCode"]) ?? ""
    const packages = list(shipment["Package"])
    if (packages.length === 0) return error(400, "111500", "Missing Package")
    const problem = packages.map((p) => packageProblem(p, origin)).find((p) => p !== undefined)
    if (problem !== undefined) return error(400, "111500", problem)
    const ratingOptions = obj(shipment["ShipmentRatingOptions"])
    const negotiated = account !== undefined && ratingOptions["NegotiatedRatesIndicator"] !== undefined
    const wanted = str(obj(shipment["Service"])["Code"])
    const services = option.toLowerCase().startsWith("shop")
      ? SERVICES
      : SERVICES.filter((s) => s.code === (wanted ?? "03"))
    if (services.length === 0) {
      return error(400, "111210", "The requested service is unavailable between the selected locations.")
    }
    const rated = services.map(
      (s): Json => ({
        Service: { Code: s.code, Description: "" },
        BillingWeight: { UnitOfMeasurement: { Code: "LBS", Description: "Pounds" }, Weight: "4.0" },
        TransportationCharges: { CurrencyCode: "USD", MonetaryValue: s.published },
        ServiceOptionsCharges: { CurrencyCode: "USD", MonetaryValue: "0.00" },
        TotalCharges: { CurrencyCode: "USD", MonetaryValue: s.published },
        ...(negotiated
          ? { NegotiatedRateCharges: { TotalCharge: { CurrencyCode: "USD", MonetaryValue: s.negotiated } } }
          : {}),
        ...(s.days === undefined
          ? {}
          : { GuaranteedDelivery: { BusinessDaysInTransit: s.days, DeliveryByTime: "10:30 A.M." } }),
        RatedPackage: [{ Weight: "3.4" }]
      })
    )
    const legacy = versionOf(version) < 2409
    return { status: 200, json: { RateResponse: { Response: success, RatedShipment: shaped(rated, legacy) } } }
  }

  const ship = (version: string, body: Json): FakeResponse => {
    const request = obj(body["ShipmentRequest"])
    const shipment = obj(request["Shipment"])
    const shipper = obj(shipment["Shipper"])
    const account = str(shipper["ShipperNumber"]) ?? ""
    if (!/^[A-Z0-9]{6}$/i.test(account)) return error(400, "120100", "Missing or invalid shipper number")
    const service = str(obj(shipment["Service"])["Code"])
    if (service === undefined) return error(400, "120200", "Missing Service Code")
    const billed = list(obj(shipment["PaymentInformation"])["ShipmentCharge"]).find((c) => c["Type"] === "01")
    if (str(obj(billed?.["BillShipper"])["AccountNumber"]) !== account) {
      return error(400, "120412", "BillShipper AccountNumber must match the ShipperNumber")
    }
    const origin = str(obj(shipper["Address"])["CountryCode"]) ?? ""
    const packages = list(shipment["Package"])
    if (packages.length === 0 || packages.some((p) => str(obj(p["Packaging"])["Code"]) === undefined)) {
      return error(400, "120500", "Missing Packaging Code")
    }
    const problem = packages.map((p) => packageProblem(p, origin)).find((p) => p !== undefined)
    if (problem !== undefined) return error(400, "120500", problem)
    if (str(obj(obj(request["LabelSpecification"])["LabelImageFormat"])["Code"]) === undefined) {
      return error(400, "120600", "Missing LabelImageFormat Code")
    }
    const number = next ?? `1Z${account.toUpperCase()}${service.padStart(2, "0").slice(-2)}${digits(8)}`
    next = undefined
    labels.push(number)
    tracking.set(number, "M")
    const results: Json = {
      ShipmentCharges: { TotalCharges: { CurrencyCode: "USD", MonetaryValue: "12.34" } },
      BillingWeight: { UnitOfMeasurement: { Code: "LBS", Description: "Pounds" }, Weight: "4.0" },
      ShipmentIdentificationNumber: number,
      PackageResults: shaped(
        [
          {
            TrackingNumber: number,
            ShippingLabel: { ImageFormat: { Code: "GIF", Description: "GIF" }, GraphicImage: GIF }
          }
        ],
        versionOf(version) < 2403
      )
    }
    const context = obj(obj(request["Request"])["TransactionReference"])
    return {
      status: 200,
      json: { ShipmentResponse: { Response: { ...success, TransactionReference: context }, ShipmentResults: results } }
    }
  }

  const track = (inquiry: string): FakeResponse => {
    const state = tracking.get(inquiry)
    if (state === undefined) {
      return {
        status: 200,
        json: {
          trackResponse: {
            shipment: [
              {
                inquiryNumber: inquiry,
                warnings: [{ code: "TW0001", message: "Tracking Information Not Found" }]
              }
            ]
          }
        }
      }
    }
    const [type = "I", code] = state.split("/")
    const known = ACTIVITY[type] ?? { code: "??", description: "Status update" }
    const latest = { type, code: code ?? known.code, description: known.description }
    const activity = [latest, ...(type === "M" ? [] : [{ type: "M", ...ACTIVITY["M"]! }])].map((status) => ({
      date: "20261122",
      time: "101500",
      location: { address: { country: "US" } },
      status
    }))
    return {
      status: 200,
      json: {
        trackResponse: {
          shipment: [
            {
              inquiryNumber: inquiry,
              package: [
                {
                  trackingNumber: inquiry,
                  currentStatus: { description: latest.description, code: "005" },
                  activity
                }
              ]
            }
          ]
        }
      }
    }
  }

  const server = await startFakeServer((request) => {
    if (request.method === "POST" && request.path === TOKEN_PATH) return token(request)
    operationCount++
    const bearer = /^Bearer\s+(\S+)$/i.exec(str(request.headers["authorization"]) ?? "")?.[1] ?? ""
    const until = tokens.get(bearer)
    if (until === undefined || until < Date.now()) return error(401, "250002", "Invalid Authentication Information.")
    const transId = str(request.headers["transid"]) ?? ""
    if (transId === "" || transId.length > 32 || (str(request.headers["transactionsrc"]) ?? "") === "") {
      return error(400, "FAKE.TRANSACTION.HEADERS", "transId (at most 32 characters) and transactionSrc are required")
    }
    if (mode === "hang") return { hang: true }
    if (failures > 0 || mode === "5xx") {
      failures = Math.max(0, failures - 1)
      return error(503, "10503", "Service Unavailable")
    }
    if (mode === "429") return error(429, "10429", "Too Many Requests", { "retry-after": "1" })
    let body: Json = {}
    try {
      body = request.body === "" ? {} : obj(JSON.parse(request.body))
    } catch {
      return error(400, "10002", "The request body is not valid JSON")
    }
    const rating = RATE.exec(request.path)
    const shipping = SHIP.exec(request.path)
    const tracked = TRACK.exec(request.path)
    const answer =
      request.method === "POST" && rating !== null
        ? rate(rating[1]!, rating[2]!, body)
        : request.method === "POST" && shipping !== null
          ? ship(shipping[1]!, body)
          : request.method === "GET" && tracked !== null
            ? track(decodeURIComponent(tracked[1]!))
            : error(404, "10404", "Resource not found")
    // Garbled: the operation happened (a label may have been bought) but the answer is not what UPS documents.
    return mode === "garbled"
      ? { status: 200, json: { Response: { ...success, Alert: [{ Code: "120900" }] } } }
      : answer
  })

  return {
    ...server,
    tokenRequests: () => tokenCount,
    operations: () => operationCount,
    revokeTokens: () => tokens.clear(),
    expireTokens: () => {
      for (const key of tokens.keys()) tokens.set(key, 0)
    },
    setMode: (value) => {
      mode = value
    },
    failNext: (n) => {
      failures = n
    },
    setTracking: (trackingNumber, status) => {
      tracking.set(trackingNumber, status)
    },
    labels: () => labels,
    setNextTracking: (trackingNumber) => {
      next = trackingNumber
    },
    merchantIds: () => merchantIds
  }
}
