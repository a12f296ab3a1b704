/** Contract of orders and inventory: create with reservation (Idempotency-Key), read, cancel, fulfil, bulk import. */
import { ErrorReporter, Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Order, OrderId, OrderStatus, Sku } from "../../core/orders/Order.ts"
import { Authenticated } from "./Authentication.ts"
import { Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unprocessable } from "./Problems.ts"

const Quantity = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000_000)))

export const CreateOrderPayload = Schema.Struct({
  lines: Schema.Array(
    Schema.Struct({
      sku: Sku,
      quantity: Quantity,
      unitPriceCents: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))))
    })
  ).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(500))),
  location: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(64)))),
  currency: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{3}$/)))),
  customerEmail: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMaxLength(254))))
})

/** The largest import body the API accepts; IMPORT_MAX_BYTES (ImportLimits.ts) may lower it, never raise it. */
export const IMPORT_MAX_BYTES_CEILING = "64 MiB"

const IdempotencyKey = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(255)))

export class OrderPage extends Schema.Class<OrderPage>("OrderPage")({
  orders: Schema.Array(Order),
  nextCursor: Schema.NullOr(Schema.String)
}) {}

export class Level extends Schema.Class<Level>("Level")({
  sku: Schema.String,
  location: Schema.String,
  onHand: Schema.Int,
  reserved: Schema.Int,
  available: Schema.Int
}) {}

export class ImportReportBody extends Schema.Class<ImportReportBody>("ImportReport")({
  mode: Schema.Literals(["all-or-nothing", "partial"]),
  received: Schema.Int,
  applied: Schema.Int,
  errors: Schema.Array(
    Schema.Struct({
      row: Schema.Int,
      sku: Schema.NullOr(Schema.String),
      field: Schema.Literals(["sku", "quantity", "location", "row"]),
      message: Schema.String
    })
  )
}) {}

export class ImportRejected extends Schema.TaggedError<ImportRejected>()(
  "ImportRejected",
  {
    code: Schema.Literal("import_rejected"),
    report: ImportReportBody
  },
  { httpApiStatus: 422 }
) {
  /** A rejected file is the client's answer, not an incident. */
  override readonly [ErrorReporter.ignore] = true
}

const byId = { id: OrderId }

export class OrdersGroup extends HttpApiGroup.make("orders")
  .add(
    HttpApiEndpoint.post("create", "/api/v1/orders", {
      headers: { "idempotency-key": Schema.optionalKey(IdempotencyKey) },
      payload: CreateOrderPayload,
      success: Order.pipe(HttpApiSchema.status(201)),
      error: [Conflict, Unprocessable, NotFound, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      "Create an order and reserve all its lines atomically (lines of one SKU are summed). With Idempotency-Key, the first response is replayed for 24 h; the same key with another payload is 422, while the first is running 409."
    ),
    HttpApiEndpoint.get("list", "/api/v1/orders", {
      query: {
        status: Schema.optionalKey(OrderStatus),
        limit: Schema.optionalKey(
          Schema.NumberFromString.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 200 })))
        ),
        before: Schema.optionalKey(
          Schema.String.pipe(
            Schema.check(Schema.isPattern(/^\d{1,18}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/))
          )
        )
      },
      success: OrderPage,
      error: ServiceUnavailable
    }),
    HttpApiEndpoint.get("get", "/api/v1/orders/:id", {
      params: byId,
      success: Order,
      error: [NotFound, ServiceUnavailable]
    }),
    HttpApiEndpoint.post("cancel", "/api/v1/orders/:id/cancel", {
      params: byId,
      success: Order,
      error: [NotFound, Conflict, ServiceUnavailable]
    }),
    HttpApiEndpoint.post("fulfil", "/api/v1/orders/:id/fulfil", {
      params: byId,
      success: Order,
      error: [NotFound, Conflict, ServiceUnavailable]
    }),
    HttpApiEndpoint.put("products", "/api/v1/products", {
      payload: Schema.Struct({
        products: Schema.Array(
          Schema.Struct({ sku: Sku, name: Schema.String.pipe(Schema.check(Schema.isMaxLength(300))) })
        ).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(10_000)))
      }),
      success: Schema.Struct({ received: Schema.Int }),
      error: [Forbidden, ServiceUnavailable]
    }).annotate(OpenApi.Description, "Create products by SKU (existing SKUs are kept). Admins."),
    HttpApiEndpoint.get("inventory", "/api/v1/inventory", {
      query: { sku: Schema.optionalKey(Schema.String) },
      success: Schema.Struct({ levels: Schema.Array(Level) }),
      error: ServiceUnavailable
    }),
    HttpApiEndpoint.post("importInventory", "/api/v1/inventory/bulk", {
      query: { mode: Schema.optionalKey(Schema.Literals(["all-or-nothing", "partial"])) },
      headers: {
        "content-type": Schema.optionalKey(Schema.String),
        "content-length": Schema.optionalKey(Schema.String)
      },
      // The ceiling; the configured IMPORT_MAX_BYTES (never above it) is what the handler enforces.
      payload: HttpApiSchema.StreamUint8Array({
        contentType: ["text/csv", "application/x-ndjson", "application/json"],
        maxBytes: IMPORT_MAX_BYTES_CEILING
      }),
      success: ImportReportBody,
      error: [ImportRejected, Forbidden, Unprocessable, PayloadTooLarge, ServiceUnavailable]
    }).annotate(
      OpenApi.Description,
      `Set on-hand quantities from CSV (header \`sku,quantity[,location]\`), NDJSON or a JSON array of {sku, quantity, location?}, read and applied as a stream. mode=all-or-nothing (default) applies every row or none (422 with the report); mode=partial applies the valid rows. At most IMPORT_MAX_BYTES (default 16 MiB, never above ${IMPORT_MAX_BYTES_CEILING}) and IMPORT_MAX_ROWS rows (default 200,000): 413 beyond either, nothing applied. Admins.`
    )
  )
  .middleware(Authenticated)
  .annotate(OpenApi.Description, "Orders, reservations and inventory") {}
