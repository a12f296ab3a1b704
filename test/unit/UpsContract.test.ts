/**
 * The UPS contract, pure parts: unit conversions (grams → LBS/KGS, cm → IN/CM, the origin's system), the Rate and
 * Ship request bodies, decoding of UPS answers in both list shapes (array, or a bare object for older versions),
 * quotes (negotiated before published, transit days), labels, tracking status mapping and the error shape; then a
 * round trip of the same builders and decoders against FakeUps over real HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import * as Ups from "../../adapters/providers/ups/UpsContract.ts"
import { Address, Parcel, type ShipmentRequest } from "../../core/shipping/Shipment.ts"
import { startFakeUps } from "../fakes/ups/FakeUps.ts"

const memphis = new Address({
  name: "Warehouse",
  street1: "1 Main St",
  city: "Memphis",
  postalCode: "38116-1234",
  countryCode: "US",
  stateOrProvince: "TN",
  phone: "+1 (901) 555-0100"
})
const toronto = new Address({
  name: "Ada Lovelace",
  street1: "34 Queen St",
  city: "Toronto",
  postalCode: "M5C2M6",
  countryCode: "CA"
})
const berlin = new Address({
  name: "Lager",
  street1: "Unter den Linden 1",
  city: "Berlin",
  postalCode: "10117",
  countryCode: "DE"
})
const parcel = new Parcel({ weightGrams: 1500, lengthCm: 30, widthCm: 20, heightCm: 10 })
const domestic: ShipmentRequest = { from: memphis, to: new Address({ ...memphis, name: "Ada" }), parcel }
const berlinToToronto: ShipmentRequest = { from: berlin, to: toronto, parcel }
const ORDER = "0b7f6a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"

const LegacyRate = Schema.Struct({ RateResponse: Schema.Struct({ RatedShipment: Schema.Unknown }) })
const decode = <A, I>(schema: Schema.Codec<A, I>, value: unknown) => Schema.decodeUnknownSync(schema)(value)

describe("UPS contract: static facts", () => {
  it("hosts, token path, versioned paths and transaction headers", () => {
    assert.deepStrictEqual(Ups.HOSTS, { sandbox: "https://wwwcie.ups.com", live: "https://onlinetools.ups.com" })
    assert.strictEqual(Ups.TOKEN_PATH, "/security/v1/oauth/token")
    assert.strictEqual(Ups.ratePath(), `/api/rating/${Ups.API_VERSION}/Shop`)
    assert.strictEqual(Ups.ratePath("Rate"), "/api/rating/v2409/Rate")
    assert.strictEqual(Ups.SHIP_PATH, "/api/shipments/v2409/ship")
    assert.strictEqual(Ups.trackPath("1Z 12/3"), "/api/track/v1/details/1Z%2012%2F3")
    const a = Ups.transactionHeaders()
    const b = Ups.transactionHeaders()
    assert.match(a.transId, /^[0-9a-f]{32}$/)
    assert.notStrictEqual(a.transId, b.transId)
    assert.strictEqual(a.transactionSrc, "tradeport")
    assert.strictEqual(Ups.transactionHeaders("abc").transId, "abc")
  })
})

describe("UPS contract: units", () => {
  it("imperial for US and PR origins, metric elsewhere", () => {
    assert.strictEqual(Ups.unitsFor("US").weight, "LBS")
    assert.strictEqual(Ups.unitsFor("PR").length, "IN")
    assert.strictEqual(Ups.unitsFor("CA").weight, "KGS")
    assert.strictEqual(Ups.unitsFor("DE").length, "CM")
  })

  it("grams to pounds and kilograms, one decimal, rounded up", () => {
    const cases: ReadonlyArray<readonly [number, "LBS" | "KGS", string]> = [
      [1500, "LBS", "3.4"],
      [1500, "KGS", "1.5"],
      [1, "LBS", "0.1"],
      [1, "KGS", "0.1"],
      [453, "LBS", "1"],
      [454, "LBS", "1.1"],
      [2000, "KGS", "2"],
      [70_000, "LBS", "154.4"],
      [70_000, "KGS", "70"]
    ]
    for (const [grams, unit, expected] of cases) {
      assert.strictEqual(Ups.weightOf(grams, unit), expected, `${grams} g in ${unit}`)
    }
  })

  it("centimetres to inches (two decimals, rounded up) or kept as centimetres", () => {
    assert.strictEqual(Ups.lengthOf(30, "IN"), "11.82")
    assert.strictEqual(Ups.lengthOf(127, "IN"), "50")
    assert.strictEqual(Ups.lengthOf(300, "IN"), "118.12")
    assert.strictEqual(Ups.lengthOf(30, "CM"), "30")
  })
})

describe("UPS contract: requests", () => {
  it("a Shop rate request bills the account, asks for negotiated rates and uses the origin's units", () => {
    const body = Ups.rateRequest("A1B2C3", domestic)
    const shipment = body.RateRequest.Shipment
    assert.strictEqual(shipment.Shipper.ShipperNumber, "A1B2C3")
    const charges = shipment.PaymentDetails.ShipmentCharge
    assert.deepStrictEqual(charges, [{ Type: "01", BillShipper: { AccountNumber: "A1B2C3" } }])
    assert.strictEqual(shipment.ShipmentRatingOptions.NegotiatedRatesIndicator, "Y")
    assert.deepStrictEqual(shipment.Shipper.Address, {
      AddressLine: ["1 Main St"],
      City: "Memphis",
      StateProvinceCode: "TN",
      PostalCode: "381161234",
      CountryCode: "US"
    })
    const pkg = shipment.Package[0]!
    assert.deepStrictEqual(pkg.PackageWeight, {
      UnitOfMeasurement: { Code: "LBS", Description: "Pounds" },
      Weight: "3.4"
    })
    assert.deepStrictEqual(pkg.Dimensions, {
      UnitOfMeasurement: { Code: "IN", Description: "Inches" },
      Length: "11.82",
      Width: "7.88",
      Height: "3.94"
    })
  })

  it("metric from Germany; no dimensions unless all three are known; names cut to 35 characters", () => {
    const long = new Address({ ...berlin, name: "A".repeat(60) })
    const partial = new Parcel({ weightGrams: 2500, lengthCm: 40 })
    const body = Ups.rateRequest("A1B2C3", { from: long, to: toronto, parcel: partial })
    const pkg = body.RateRequest.Shipment.Package[0]!
    assert.strictEqual(pkg.PackageWeight.UnitOfMeasurement.Code, "KGS")
    assert.strictEqual(pkg.PackageWeight.Weight, "2.5")
    assert.isUndefined(pkg.Dimensions)
    assert.strictEqual(body.RateRequest.Shipment.Shipper.Name.length, 35)
    assert.notProperty(body.RateRequest.Shipment.ShipTo.Address, "StateProvinceCode")
  })

  it("a US domestic shipment carries the order as a package reference, digits-only phones and a GIF label", () => {
    const body = Ups.shipRequest("A1B2C3", domestic, "03", `${ORDER}/key-1`)
    const { Shipment, Request, LabelSpecification } = body.ShipmentRequest
    assert.strictEqual(Shipment.Service.Code, "03")
    assert.strictEqual(Shipment.Shipper.ShipperNumber, "A1B2C3")
    assert.deepStrictEqual(Shipment.Shipper.Phone, { Number: "19015550100" })
    assert.deepStrictEqual(Shipment.PaymentInformation.ShipmentCharge[0]?.BillShipper, { AccountNumber: "A1B2C3" })
    assert.strictEqual(Request.TransactionReference.CustomerContext, `${ORDER}/key-1`)
    assert.deepStrictEqual(Shipment.Package[0]?.ReferenceNumber, [{ Value: ORDER.replace(/-/g, "") }])
    assert.notProperty(Shipment, "ReferenceNumber")
    assert.notProperty(Shipment, "Description")
    assert.strictEqual(Shipment.Package[0]?.Packaging.Code, "02")
    assert.strictEqual(LabelSpecification.LabelImageFormat.Code, "GIF")
  })

  it("an international shipment: shipment-level reference, a description of goods, no phone if none given", () => {
    const body = Ups.shipRequest("A1B2C3", { from: memphis, to: toronto, parcel }, "11", "short-ref/key")
    const shipment = body.ShipmentRequest.Shipment
    assert.deepStrictEqual(shipment.ReferenceNumber, [{ Value: "short-ref" }])
    assert.notProperty(shipment.Package[0]!, "ReferenceNumber")
    assert.strictEqual(shipment.Description, "Merchandise")
    assert.notProperty(shipment.ShipTo, "Phone")
    assert.strictEqual(shipment.ShipTo.AttentionName, "Ada Lovelace")
  })

  it("reference values fit UPS's 35 characters", () => {
    assert.strictEqual(Ups.referenceValue(`${ORDER}/k`), "0b7f6a1e2c3d4e5f8a9b0c1d2e3f4a5b")
    assert.strictEqual(Ups.referenceValue("x".repeat(50)).length, 35)
    assert.strictEqual(Ups.referenceValue("order-7"), "order-7")
  })
})

const rated = (code: string, published: string, extra: Record<string, unknown> = {}) => ({
  Service: { Code: code, Description: "" },
  BillingWeight: { UnitOfMeasurement: { Code: "LBS" }, Weight: "4.0" },
  TotalCharges: { CurrencyCode: "USD", MonetaryValue: published },
  RatedPackage: [{ Weight: "3.4" }],
  ...extra
})

describe("UPS contract: rates", () => {
  it("rated shipments as an array (v2409) become quotes: negotiated charges first, transit days if known", () => {
    const response = decode(Ups.RateResponse, {
      RateResponse: {
        Response: { ResponseStatus: { Code: "1", Description: "Success" } },
        RatedShipment: [
          rated("03", "12.34", {
            NegotiatedRateCharges: { TotalCharge: { CurrencyCode: "USD", MonetaryValue: "10.99" } }
          }),
          rated("01", "56.78", { GuaranteedDelivery: { BusinessDaysInTransit: "1" } }),
          rated("65", "80.00", {
            Service: { Code: "65", Description: "UPS Worldwide Saver " },
            TimeInTransit: { ServiceSummary: { EstimatedArrival: { BusinessDaysInTransit: "3" } } }
          })
        ]
      }
    })
    const quotes = Ups.toQuotes(response)
    const rows = quotes.map((q) => [q.carrier, q.service, q.serviceName, q.totalCents, q.currency, q.transitDays])
    assert.deepStrictEqual(rows, [
      ["ups", "03", "UPS Ground", 1099, "USD", null],
      ["ups", "01", "UPS Next Day Air", 5678, "USD", 1],
      ["ups", "65", "UPS Worldwide Saver", 8000, "USD", 3]
    ])
  })

  it("a single rated shipment as a bare object (before v2409) decodes the same as a one-element array", () => {
    const one = rated("12", "20.10", { GuaranteedDelivery: { BusinessDaysInTransit: "3" } })
    const asObject = Ups.toQuotes(decode(Ups.RateResponse, { RateResponse: { RatedShipment: one } }))
    const asArray = Ups.toQuotes(decode(Ups.RateResponse, { RateResponse: { RatedShipment: [one] } }))
    assert.lengthOf(asObject, 1)
    assert.deepStrictEqual(asObject, asArray)
    assert.strictEqual(asObject[0]?.serviceName, "UPS 3 Day Select")
    assert.strictEqual(asObject[0]?.transitDays, 3)
  })

  it("an unreadable amount drops that quote only; unknown service codes get a generic name", () => {
    const quotes = Ups.toQuotes(
      decode(Ups.RateResponse, {
        RateResponse: { RatedShipment: [rated("03", "n/a"), rated("93", "7.5")] }
      })
    )
    assert.deepStrictEqual(
      quotes.map((q) => [q.service, q.serviceName, q.totalCents]),
      [["93", "UPS 93", 750]]
    )
  })

  it("a body without rated shipments does not decode", () => {
    assert.throws(() => decode(Ups.RateResponse, { RateResponse: { Response: {} } }))
    assert.throws(() => decode(Ups.RateResponse, { output: { rateReplyDetails: [] } }))
  })

  it("money strings to cents, half up; anything else is not money", () => {
    const cases: ReadonlyArray<readonly [string, number | undefined]> = [
      ["12.34", 1234],
      ["12.3", 1230],
      ["12", 1200],
      ["0.005", 1],
      ["12.344", 1234],
      ["12.345", 1235],
      [" 7.10 ", 710],
      ["abc", undefined],
      ["-1.00", undefined],
      ["", undefined],
      ["1,50", undefined]
    ]
    for (const [text, cents] of cases) assert.strictEqual(Ups.centsOf(text), cents, text)
  })
})

const shipResults = (packageResults: unknown, extra: Record<string, unknown> = {}) => ({
  ShipmentResponse: {
    Response: { ResponseStatus: { Code: "1", Description: "Success" } },
    ShipmentResults: {
      BillingWeight: { UnitOfMeasurement: { Code: "LBS" }, Weight: "4.0" },
      ShipmentIdentificationNumber: "1ZA1B2C30312345678",
      PackageResults: packageResults,
      ...extra
    }
  }
})
const pkgResult = {
  TrackingNumber: "1ZA1B2C30312345678",
  ShippingLabel: { ImageFormat: { Code: "GIF" }, GraphicImage: "R0lG" }
}

describe("UPS contract: labels", () => {
  it("package results as an array or a bare object give the same label; the inline image is available", () => {
    const fromArray = decode(Ups.ShipResponse, shipResults([pkgResult]))
    const fromObject = decode(Ups.ShipResponse, shipResults(pkgResult))
    const expected = { trackingNumber: "1ZA1B2C30312345678", labelReference: "1ZA1B2C30312345678", service: "03" }
    assert.deepStrictEqual(Ups.toLabel(fromArray, "03"), Option.some(expected))
    assert.deepStrictEqual(Ups.toLabel(fromObject, "03"), Option.some(expected))
    assert.deepStrictEqual(Ups.labelImage(fromObject), Option.some({ format: "GIF", base64: "R0lG" }))
  })

  it("a label URL, when UPS sends one, is the label reference", () => {
    const response = decode(Ups.ShipResponse, shipResults([pkgResult], { LabelURL: "https://www.ups.com/uel/llp/1" }))
    assert.strictEqual(Option.getOrThrow(Ups.toLabel(response, "01")).labelReference, "https://www.ups.com/uel/llp/1")
  })

  it("no tracking number means no label; a body that is not a ShipmentResponse does not decode", () => {
    const empty = decode(Ups.ShipResponse, { ShipmentResponse: { ShipmentResults: { BillingWeight: {} } } })
    assert.isTrue(Option.isNone(Ups.toLabel(empty, "03")))
    assert.isTrue(Option.isNone(Ups.labelImage(empty)))
    const garbled = { Response: { ResponseStatus: { Code: "1" }, Alert: [{ Code: "120900" }] } }
    assert.throws(() => decode(Ups.ShipResponse, garbled))
  })
})

describe("UPS contract: tracking", () => {
  it("status types and codes map to core tracking states", () => {
    const cases: ReadonlyArray<readonly [string | undefined, string | undefined, string]> = [
      ["M", "MP", "label_created"],
      ["P", "XA", "in_transit"],
      ["I", "DP", "in_transit"],
      ["I", "OT", "out_for_delivery"],
      ["O", undefined, "out_for_delivery"],
      ["D", "KB", "delivered"],
      ["X", "X1", "exception"],
      ["I", "RS", "exception"],
      [undefined, "MP", "label_created"],
      ["Z", undefined, "unknown"],
      [undefined, undefined, "unknown"]
    ]
    for (const [type, code, expected] of cases) {
      assert.strictEqual(Ups.statusOf(type, code), expected, `${type}/${code}`)
    }
  })

  it("the newest activity decides; descriptions are trimmed", () => {
    const response = decode(Ups.TrackResponse, {
      trackResponse: {
        shipment: [
          {
            inquiryNumber: "1ZA1B2C30312345678",
            package: [
              {
                trackingNumber: "1ZA1B2C30312345678",
                currentStatus: { description: "Delivered", code: "011" },
                activity: [
                  { date: "20261122", status: { type: "D", code: "KB", description: "DELIVERED ", statusCode: "011" } },
                  { date: "20261121", status: { type: "I", code: "DP", description: "Departed from Facility" } }
                ]
              }
            ]
          }
        ]
      }
    })
    assert.deepStrictEqual(
      Ups.trackingOf(response),
      Option.some({
        trackingNumber: "1ZA1B2C30312345678",
        status: "delivered",
        description: "DELIVERED"
      })
    )
  })

  it("without activities, currentStatus is used", () => {
    const response = decode(Ups.TrackResponse, {
      trackResponse: {
        shipment: [{ inquiryNumber: "1Z1", package: [{ currentStatus: { type: "X", description: "Exception" } }] }]
      }
    })
    assert.deepStrictEqual(
      Ups.trackingOf(response),
      Option.some({ trackingNumber: "1Z1", status: "exception", description: "Exception" })
    )
  })

  it("an unknown number comes back as a warning without a package", () => {
    const response = decode(Ups.TrackResponse, {
      trackResponse: {
        shipment: [{ inquiryNumber: "1Z0", warnings: [{ code: "TW0001", message: "Tracking Information Not Found" }] }]
      }
    })
    assert.isTrue(Option.isNone(Ups.trackingOf(response)))
    assert.deepStrictEqual(Ups.trackWarning(response), Option.some("TW0001"))
  })
})

describe("UPS contract: errors", () => {
  it("reads UPS's error shape and nothing else", () => {
    const body = { response: { errors: [{ code: "250002", message: "Invalid Authentication Information." }] } }
    assert.deepStrictEqual(Ups.errorOf(body), Option.some(body.response.errors[0]!))
    assert.isTrue(Option.isNone(Ups.errorOf({ errors: [{ code: "NOT.FOUND.ERROR" }] })))
    assert.isTrue(Option.isNone(Ups.errorOf({ response: { errors: [] } })))
    assert.isTrue(Option.isNone(Ups.errorOf("Service Unavailable")))
  })
})

describe("UPS contract against FakeUps over HTTP", () => {
  const CLIENT = { clientId: "ups-client", clientSecret: "ups-secret" }
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`
  const form = { "content-type": "application/x-www-form-urlencoded" }
  const codeOf = async (response: Response) => Option.map(Ups.errorOf(await response.json()), (e) => e.code)

  it("tokens by HTTP Basic only; rate, ship, track round-trip; refusals are UPS-shaped", async () => {
    const fake = await startFakeUps(CLIENT)
    try {
      const tokenCall = (headers: Record<string, string>, body = "grant_type=client_credentials") =>
        fetch(`${fake.url}${Ups.TOKEN_PATH}`, { method: "POST", headers: { ...form, ...headers }, body })
      const inBody = await tokenCall({}, `grant_type=client_credentials&client_id=ups-client&client_secret=ups-secret`)
      assert.strictEqual(inBody.status, 401, "credentials in the form body are not UPS's scheme")
      assert.deepStrictEqual(await codeOf(inBody), Option.some("10400"))
      assert.strictEqual((await tokenCall({ authorization: basic(CLIENT.clientId, "nope") })).status, 401)
      const authorization = basic(CLIENT.clientId, CLIENT.clientSecret)
      const granted = await tokenCall({ authorization, "x-merchant-id": "A1B2C3" })
      assert.strictEqual(granted.status, 200)
      const token = decode(Ups.TokenResponse, await granted.json())
      assert.strictEqual(token.expires_in, "14399")
      assert.deepStrictEqual(fake.merchantIds(), [undefined, undefined, "A1B2C3"])
      assert.strictEqual(fake.tokenRequests(), 3)

      const call = (method: string, path: string, body?: unknown, headers = Ups.transactionHeaders()) =>
        fetch(`${fake.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json", ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        })
      const shop = Ups.rateRequest("A1B2C3", domestic)
      assert.strictEqual((await call("POST", Ups.ratePath(), shop, { transId: "", transactionSrc: "" })).status, 400)
      assert.strictEqual((await call("POST", Ups.ratePath(), shop, Ups.transactionHeaders("x".repeat(33)))).status, 400)

      const quotes = Ups.toQuotes(decode(Ups.RateResponse, await (await call("POST", Ups.ratePath(), shop)).json()))
      const rows = quotes.map((q) => [q.service, q.totalCents, q.transitDays])
      assert.deepStrictEqual(
        rows,
        [
          ["03", 1099, null],
          ["01", 4950, 1]
        ],
        "negotiated charges, as asked for"
      )
      const legacy = await call("POST", "/api/rating/v2205/Rate", Ups.rateRequest("A1B2C3", berlinToToronto))
      const legacyJson: unknown = await legacy.json()
      const bare = decode(LegacyRate, legacyJson).RateResponse.RatedShipment
      assert.isFalse(Array.isArray(bare), "a bare object before v2409")
      assert.lengthOf(Ups.toQuotes(decode(Ups.RateResponse, legacyJson)), 1)
      const metricFromUs = Ups.rateRequest("A1B2C3", { ...berlinToToronto, from: memphis })
      metricFromUs.RateRequest.Shipment.Package[0]!.PackageWeight.UnitOfMeasurement.Code = "KGS"
      const refused = await call("POST", Ups.ratePath(), metricFromUs)
      assert.strictEqual(refused.status, 400, "kilograms from the US are refused")

      const shipped = await call("POST", Ups.SHIP_PATH, Ups.shipRequest("A1B2C3", domestic, "03", `${ORDER}/key-1`))
      const label = Option.getOrThrow(Ups.toLabel(decode(Ups.ShipResponse, await shipped.json()), "03"))
      assert.deepStrictEqual(fake.labels(), [label.trackingNumber])
      assert.match(label.trackingNumber, /^1ZA1B2C303\d{8}$/)

      const status = async () => {
        const answer = await call("GET", Ups.trackPath(label.trackingNumber))
        return Option.getOrThrow(Ups.trackingOf(decode(Ups.TrackResponse, await answer.json()))).status
      }
      assert.strictEqual(await status(), "label_created")
      fake.setTracking(label.trackingNumber, "I/OT")
      assert.strictEqual(await status(), "out_for_delivery")
      fake.setTracking(label.trackingNumber, "D")
      assert.strictEqual(await status(), "delivered")
      const unknown = decode(Ups.TrackResponse, await (await call("GET", Ups.trackPath("1Z0000000000000000"))).json())
      assert.deepStrictEqual(Ups.trackWarning(unknown), Option.some("TW0001"))

      fake.failNext(1)
      const failed = await call("POST", Ups.SHIP_PATH, Ups.shipRequest("A1B2C3", domestic, "03", "o/k"))
      assert.strictEqual(failed.status, 503)
      assert.lengthOf(fake.labels(), 1, "a 503 buys nothing")
      fake.expireTokens()
      const expired = await call("POST", Ups.ratePath(), shop)
      assert.strictEqual(expired.status, 401)
      assert.deepStrictEqual(await codeOf(expired), Option.some("250002"))
    } finally {
      await fake.close()
    }
  })
})
