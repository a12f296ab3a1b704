/**
 * Fake FedEx and DHL eCommerce APIs speaking their real protocols: a client-credentials token endpoint
 * (form-encoded; tokens expire and can be revoked; bad credentials get 401), and the rate/products, ship/label and
 * track operations with bearer tokens (401 for unknown, expired or revoked tokens). Operations can be switched to
 * hang (timeouts), 5xx or 429 with Retry-After, to exercise retries and circuit breakers.
 */
import { randomBytes } from "node:crypto"
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from "../FakeServer.ts"

export type CarrierMode = "ok" | "hang" | "5xx" | "429" | "garbled"

export interface FakeCarrier extends FakeServer {
  readonly tokenRequests: () => number
  readonly operations: () => number
  readonly revokeTokens: () => void
  readonly setMode: (mode: CarrierMode) => void
  /** The status the carrier reports for a tracking number from now on (FedEx code / DHL event description). */
  readonly setTracking: (trackingNumber: string, status: string) => void
  readonly labels: () => ReadonlyArray<string>
  /** The next label gets this tracking number (a carrier reusing numbers). */
  readonly setNextTracking: (trackingNumber: string) => void
}

interface Options {
  readonly clientId: string
  readonly clientSecret: string
  readonly expiresIn?: number
}

const start = async (
  tokenPath: string,
  unauthorized: FakeResponse,
  operation: (
    request: FakeRequest,
    state: { labels: Array<string>; tracking: Map<string, string>; next: string | undefined }
  ) => FakeResponse | undefined,
  options: Options
): Promise<FakeCarrier> => {
  const tokens = new Map<string, number>()
  const state = {
    labels: [] as Array<string>,
    tracking: new Map<string, string>(),
    next: undefined as string | undefined
  }
  let mode: CarrierMode = "ok"
  let tokenCount = 0
  let operationCount = 0
  const server = await startFakeServer((request) => {
    if (request.method === "POST" && request.path === tokenPath) {
      tokenCount++
      const form = new URLSearchParams(request.body)
      if (form.get("grant_type") !== "client_credentials")
        return { status: 400, json: { error: "unsupported_grant_type" } }
      if (form.get("client_id") !== options.clientId || form.get("client_secret") !== options.clientSecret)
        return unauthorized
      const token = randomBytes(24).toString("base64url")
      const expiresIn = options.expiresIn ?? 3599
      tokens.set(token, Date.now() + expiresIn * 1000)
      return { status: 200, json: { access_token: token, token_type: "bearer", expires_in: expiresIn, scope: "CXS" } }
    }
    operationCount++
    const bearer = String(request.headers["authorization"] ?? "").replace(/^Bearer /i, "")
    const until = tokens.get(bearer)
    if (until === undefined || until < Date.now()) return unauthorized
    if (mode === "hang") return { hang: true }
    if (mode === "5xx")
      return {
        status: 503,
        json: { errors: [{ code: "SERVICE.UNAVAILABLE.ERROR", message: "The service is currently unavailable" }] }
      }
    if (mode === "429")
      return { status: 429, headers: { "retry-after": "1" }, json: { errors: [{ code: "TOO.MANY.REQUESTS.ERROR" }] } }
    if (mode === "garbled") {
      // The operation happens (a label is bought) but the answer is not what the API documents.
      operation(request, state)
      return { status: 200, json: { output: { alerts: [{ code: "SHIPMENT.CREATED.PARTIAL" }] } } }
    }
    return operation(request, state) ?? { status: 404, json: { errors: [{ code: "NOT.FOUND.ERROR" }] } }
  })
  return {
    ...server,
    tokenRequests: () => tokenCount,
    operations: () => operationCount,
    revokeTokens: () => tokens.clear(),
    setMode: (next) => {
      mode = next
    },
    setTracking: (trackingNumber, status) => {
      state.tracking.set(trackingNumber, status)
    },
    labels: () => state.labels,
    setNextTracking: (trackingNumber) => {
      state.next = trackingNumber
    }
  }
}

const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join("")

export const startFakeFedEx = (options: Options) =>
  start(
    "/oauth/token",
    {
      status: 401,
      json: {
        transactionId: "t",
        errors: [{ code: "NOT.AUTHORIZED.ERROR", message: "The given client credentials were not valid." }]
      }
    },
    (request, state) => {
      const body = request.body === "" ? {} : (JSON.parse(request.body) as Record<string, unknown>)
      if (request.path === "/rate/v1/rates/quotes") {
        if (typeof (body["accountNumber"] as { value?: unknown } | undefined)?.value !== "string")
          return { status: 400, json: { errors: [{ code: "ACCOUNT.NUMBER.MISMATCH" }] } }
        return {
          status: 200,
          json: {
            transactionId: "r1",
            output: {
              rateReplyDetails: [
                {
                  serviceType: "FEDEX_GROUND",
                  serviceName: "FedEx Ground",
                  ratedShipmentDetails: [{ rateType: "ACCOUNT", totalNetCharge: 12.34, currency: "USD" }],
                  operationalDetail: { transitTime: "THREE_DAYS" }
                },
                {
                  serviceType: "PRIORITY_OVERNIGHT",
                  serviceName: "FedEx Priority Overnight®",
                  ratedShipmentDetails: [{ rateType: "ACCOUNT", totalNetCharge: 56.78, currency: "USD" }],
                  operationalDetail: { transitTime: "ONE_DAY" }
                }
              ]
            }
          }
        }
      }
      if (request.path === "/ship/v1/shipments") {
        const requested = body["requestedShipment"] as { serviceType?: string } | undefined
        const tracking = state.next ?? digits(12)
        state.next = undefined
        state.labels.push(tracking)
        state.tracking.set(tracking, "OC")
        return {
          status: 200,
          json: {
            transactionId: "s1",
            output: {
              transactionShipments: [
                {
                  serviceType: requested?.serviceType ?? "FEDEX_GROUND",
                  masterTrackingNumber: tracking,
                  pieceResponses: [
                    {
                      trackingNumber: tracking,
                      packageDocuments: [{ url: `https://labels.fedex.example/${tracking}.pdf`, contentType: "PDF" }]
                    }
                  ]
                }
              ]
            }
          }
        }
      }
      if (request.path === "/track/v1/trackingnumbers") {
        const info = (
          body["trackingInfo"] as Array<{ trackingNumberInfo: { trackingNumber: string } }> | undefined
        )?.[0]
        const tn = info?.trackingNumberInfo.trackingNumber ?? ""
        const code = state.tracking.get(tn)
        return {
          status: 200,
          json: {
            output: {
              completeTrackResults: [
                {
                  trackingNumber: tn,
                  trackResults: [
                    code === undefined
                      ? {
                          error: {
                            code: "TRACKING.TRACKINGNUMBER.NOTFOUND",
                            message: "Tracking number cannot be found."
                          }
                        }
                      : {
                          latestStatusDetail: {
                            code,
                            description: code === "DL" ? "Delivered" : code === "IT" ? "In transit" : "Label created"
                          }
                        }
                  ]
                }
              ]
            }
          }
        }
      }
      return undefined
    },
    options
  )

export const startFakeDhl = (options: Options) =>
  start(
    "/auth/v4/accesstoken",
    {
      status: 401,
      json: { type: "https://api.dhlecs.com/docs/errors/401.0000001", title: "Unauthorized", status: 401 }
    },
    (request, state) => {
      const body = request.body === "" ? {} : (JSON.parse(request.body) as Record<string, unknown>)
      if (request.path === "/shipping/v4/products") {
        if (typeof body["pickup"] !== "string") return { status: 400, json: { title: "Invalid pickup", status: 400 } }
        return {
          status: 200,
          json: {
            products: [
              {
                orderedProductId: "GND",
                productName: "DHL Parcel Ground",
                rate: { amount: 7.5, currency: "USD" },
                estimatedDeliveryDate: { deliveryDaysMin: 4 }
              },
              {
                orderedProductId: "EXP",
                productName: "DHL Parcel Expedited",
                rate: { amount: 10.25, currency: "USD" },
                estimatedDeliveryDate: { deliveryDaysMin: 2 }
              }
            ]
          }
        }
      }
      if (request.path === "/shipping/v4/label") {
        const detail = body["packageDetail"] as { packageId?: string } | undefined
        const id = `GM${digits(16)}`
        state.labels.push(id)
        state.tracking.set(id, "Label Created")
        return {
          status: 200,
          json: {
            labels: [
              { packageId: detail?.packageId ?? "p", dhlPackageId: id, labelData: "iVBORw0KGgo=", format: "PNG" }
            ]
          }
        }
      }
      if (request.path === "/tracking/v4/package/open") {
        const id = request.query.get("dhlPackageId") ?? ""
        const event = state.tracking.get(id)
        if (event === undefined) return { status: 404, json: { title: "Package not found", status: 404 } }
        return {
          status: 200,
          json: {
            packages: [
              {
                package: { dhlPackageId: id },
                events: [{ primaryEventId: 1, primaryEventDescription: event, date: "2026-11-22", time: "10:00:00" }]
              }
            ]
          }
        }
      }
      return undefined
    },
    options
  )
