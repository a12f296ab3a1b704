/** Orders and inventory handlers, acting in the caller's organisation. */
import { Effect, Layer, Stream } from "effect"
import { HttpApiBuilder, HttpApiError } from "effect/http-api"
import { ImportTooLarge, importLevels } from "../../core/inventory/BulkImport.ts"
import { InventoryRepository } from "../../core/inventory/ports/InventoryRepository.ts"
import type { OutOfStock, UnknownSku } from "../../core/inventory/Inventory.ts"
import { type IllegalTransition, Order, OrderLine } from "../../core/orders/Order.ts"
import type { OrgId } from "../../core/shared/Ids.ts"
import * as Orders from "../../core/orders/Orders.ts"
import { requireRole } from "../../core/identity/Roles.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { problems } from "./ErrorMapping.ts"
import { idempotent } from "./Idempotency.ts"
import { ImportFormatError, readRows } from "./ImportFormats.ts"
import * as ImportLimitsConfig from "./ImportLimits.ts"
import { ImportLimits } from "./ImportLimits.ts"
import { ImportRejected, ImportReportBody, Level, OrderPage } from "./OrdersApi.ts"
import { Conflict, NotFound, PayloadTooLarge, Unprocessable } from "./Problems.ts"
import { PersistenceError } from "../../core/shared/errors.ts"

const orderNotFound = () => Effect.fail(new NotFound({ code: "order_not_found" }))
const illegalTransition = (e: IllegalTransition) =>
  Effect.fail(new Conflict({ code: "illegal_transition", detail: `An order that is ${e.from} cannot ${e.action}.` }))
const creationProblems = {
  OutOfStock: (e: OutOfStock) =>
    Effect.fail(
      new Conflict({
        code: "out_of_stock",
        detail: `SKU ${e.sku}: ${e.requested} requested, ${e.available} available.`
      })
    ),
  UnknownSku: (e: UnknownSku) =>
    Effect.fail(
      new Unprocessable({ code: "unknown_sku", detail: `Unknown SKU(s): ${e.skus.slice(0, 20).join(", ")}` })
    ),
  PersistenceError: problems.PersistenceError
} as const
const transitionProblems = {
  OrderNotFound: orderNotFound,
  IllegalTransition: illegalTransition,
  PersistenceError: problems.PersistenceError
} as const

class BodyTooLarge {
  readonly _tag = "BodyTooLarge"
}

/** Fails the body once more than `maxBytes` have arrived (a chunked body has no Content-Length to refuse early). */
const boundBytes = <E>(body: Stream.Stream<Uint8Array, E>, maxBytes: number) =>
  Stream.suspend(() => {
    let total = 0
    return body.pipe(
      Stream.mapArrayEffect((chunks) => {
        for (const chunk of chunks) total += chunk.length
        return total > maxBytes ? Effect.fail(new BodyTooLarge()) : Effect.succeed(chunks)
      })
    )
  })

type ImportStoreProblem = Effect.Error<ReturnType<typeof problems.PersistenceError>>

const tooLarge = (detail: string) => Effect.fail(new PayloadTooLarge({ code: "import_too_large", detail }))

/** Why an import stopped before its report: the file's fault (413, 422) or the store's. */
const importProblem =
  (limits: ImportLimits["Service"]) =>
  (error: unknown): Effect.Effect<never, PayloadTooLarge | Unprocessable | ImportStoreProblem> => {
    if (error instanceof ImportFormatError)
      return Effect.fail(new Unprocessable({ code: "import_format", detail: error.message }))
    if (error instanceof ImportTooLarge) return tooLarge(`An import has at most ${error.maxRows} rows.`)
    if (error instanceof BodyTooLarge || HttpApiError.HttpApiPayloadTooLarge.is(error))
      return tooLarge(`An import body has at most ${limits.maxBytes} bytes.`)
    if (error instanceof PersistenceError) return problems.PersistenceError(error)
    return Effect.fail(new Unprocessable({ code: "import_unreadable", detail: "The body could not be read." }))
  }

const levelsOf = (organizationId: OrgId, sku: string | undefined) =>
  Effect.gen(function* () {
    const repository = yield* InventoryRepository
    return yield* repository.levels(organizationId, sku === undefined ? undefined : [sku])
  })

export const OrdersHandlers = HttpApiBuilder.group(Api, "orders", (handlers) =>
  Effect.gen(function* () {
    const limits = yield* ImportLimits
    return handlers
      .handle("create", ({ headers, payload }) =>
        Effect.gen(function* () {
          const principal = yield* caller
          const input = {
            lines: payload.lines.map(
              (l) => new OrderLine({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents ?? 0 })
            ),
            location: payload.location,
            currency: payload.currency,
            customerEmail: payload.customerEmail
          }
          return yield* idempotent({
            organizationId: principal.organizationId,
            key: headers["idempotency-key"],
            operation: "orders.create",
            payload,
            successStatus: 201,
            schema: Order,
            run: Orders.create(principal.organizationId, input, { kind: "api" }).pipe(
              Effect.map((r) => r.order),
              Effect.catchTags(creationProblems)
            )
          })
        })
      )
      .handle("list", ({ query }) =>
        caller.pipe(
          Effect.flatMap((p) =>
            Orders.list(p.organizationId, { status: query.status, limit: query.limit ?? 50, before: query.before })
          ),
          Effect.map((page) => new OrderPage({ orders: page.orders, nextCursor: page.nextCursor ?? null })),
          Effect.catchTags({ PersistenceError: problems.PersistenceError })
        )
      )
      .handle("get", ({ params }) =>
        caller.pipe(
          Effect.flatMap((p) => Orders.get(p.organizationId, params.id)),
          Effect.catchTags({ OrderNotFound: orderNotFound, PersistenceError: problems.PersistenceError })
        )
      )
      .handle("cancel", ({ params }) =>
        caller.pipe(
          Effect.flatMap((p) => Orders.cancel(p.organizationId, params.id)),
          Effect.catchTags(transitionProblems)
        )
      )
      .handle("fulfil", ({ params }) =>
        caller.pipe(
          Effect.flatMap((p) => Orders.fulfil(p.organizationId, params.id)),
          Effect.catchTags(transitionProblems)
        )
      )
      .handle("products", ({ payload }) =>
        Effect.gen(function* () {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          yield* (yield* InventoryRepository).upsertProducts(principal.organizationId, payload.products)
          return { received: payload.products.length }
        }).pipe(
          Effect.catchTags({ InsufficientRole: problems.InsufficientRole, PersistenceError: problems.PersistenceError })
        )
      )
      .handle("inventory", ({ query }) =>
        caller.pipe(
          Effect.flatMap((p) => levelsOf(p.organizationId, query.sku)),
          Effect.map((levels) => ({ levels: levels.map((l) => new Level(l)) })),
          Effect.catchTags({ PersistenceError: problems.PersistenceError })
        )
      )
      .handle("importInventory", ({ headers, payload, query }) =>
        Effect.gen(function* () {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          if (Number(headers["content-length"]) > limits.maxBytes) {
            return yield* tooLarge(`An import body has at most ${limits.maxBytes} bytes.`)
          }
          // Rows flow from the socket through validation into the database's COPY; nothing holds the whole file.
          const rows = readRows(headers["content-type"] ?? "application/json", boundBytes(payload, limits.maxBytes))
          const report = yield* importLevels(
            principal.organizationId,
            rows,
            query.mode ?? "all-or-nothing",
            limits
          ).pipe(Effect.catch(importProblem(limits)))
          const body = new ImportReportBody({ ...report, errors: [...report.errors] })
          if (report.mode === "all-or-nothing" && report.errors.length > 0) {
            return yield* new ImportRejected({ code: "import_rejected", report: body })
          }
          return body
        }).pipe(Effect.catchTags({ InsufficientRole: problems.InsufficientRole }))
      )
  })
).pipe(Layer.provide(ImportLimitsConfig.layerConfig))
