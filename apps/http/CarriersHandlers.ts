/**
 * Carrier accounts and shipments. Credentials are proven with the carrier before anything is stored; a label is
 * bought once per Idempotency-Key; carrier failures become 503 (try later, Retry-After) or 422 (the carrier refused
 * the request), and a label whose outcome the carrier did not confirm is 409 `label_outcome_unknown`, remembered
 * under the key so a retry never buys a second label.
 */
import { DateTime, Effect, Option, Redacted } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { verifyCredentials } from "../../adapters/providers/shared/Carriers.ts"
import { ConnectionId } from "../../core/connections/Connection.ts"
import * as Connections from "../../core/connections/Connections.ts"
import { expiryFrom } from "../../core/connections/TokenLifecycle.ts"
import type { Principal } from "../../core/identity/Principal.ts"
import { requireRole } from "../../core/identity/Roles.ts"
import type { OrderId } from "../../core/orders/Order.ts"
import { OrderRepository } from "../../core/orders/ports/OrderRepository.ts"
import { Shipment, type CarrierRejected, type CarrierUnavailable } from "../../core/shipping/Shipment.ts"
import { ShipmentRepository } from "../../core/shipping/ports/ShipmentRepository.ts"
import * as Shipping from "../../core/shipping/Shipping.ts"
import { CarrierEndpointsConfig, carrierApi, isCarrier } from "../shared/Carriers.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { toView } from "./ConnectionsHandlers.ts"
import { problems } from "./ErrorMapping.ts"
import { idempotent } from "./Idempotency.ts"
import { Conflict, NotFound, ServiceUnavailable, Unprocessable } from "./Problems.ts"

const unavailable = (e: CarrierUnavailable) =>
  Effect.fail(new ServiceUnavailable({ code: "carrier_unavailable", retryAfterSeconds: e.retryAfterSeconds, detail: `${e.carrier} is not answering normally; retry later.` }))
const rejected = (e: CarrierRejected) =>
  Effect.fail(new Unprocessable({ code: "carrier_rejected", detail: `${e.carrier} refused the request (${e.code.slice(0, 80)}).` }))

/** The caller's carrier connection named in the request. */
const carrierFor = (principal: Principal, connectionId: string) =>
  Effect.gen(function*() {
    const connection = yield* Connections.get(principal, ConnectionId.make(connectionId))
    if (connection.status !== "connected") return yield* new Conflict({ code: `connection_${connection.status}`, detail: "The carrier account is not connected." })
    const api = yield* carrierApi(connection)
    if (Option.isNone(api)) return yield* new Conflict({ code: "not_a_carrier", detail: "This connection is not a carrier account." })
    return api.value
  }).pipe(Effect.catchTag("ConnectionNotFound", () => Effect.fail(new NotFound({ code: "connection_not_found" }))))

const orderExists = (principal: Principal, id: OrderId) =>
  Effect.gen(function*() {
    return Option.isSome(yield* (yield* OrderRepository).get(principal.organizationId, id))
  })

const orderProblems = {
  OrderNotFound: () => Effect.fail(new NotFound({ code: "order_not_found" })),
  OrderNotShippable: () => Effect.fail(new Conflict({ code: "order_not_shippable", detail: "A cancelled order cannot be shipped." }))
} as const

export const CarriersHandlers = HttpApiBuilder.group(
  Api,
  "carriers",
  Effect.fn(function*(handlers) {
    const endpoints = yield* CarrierEndpointsConfig
    return handlers
      .handle("addAccount", ({ params, payload }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          yield* requireRole(principal.role, "admin")
          const secret = Redacted.make(payload.clientSecret)
          const grant = yield* verifyCredentials(endpoints[params.carrier], payload.clientId, secret).pipe(
            Effect.mapError((e): ServiceUnavailable | Unprocessable =>
              e.status === undefined || e.status === 429 || e.status >= 500
                ? new ServiceUnavailable({ code: "carrier_unavailable", retryAfterSeconds: 30, detail: `${params.carrier} could not check the credentials; retry later.` })
                : new Unprocessable({ code: "carrier_credentials_refused", detail: `${params.carrier} refused these credentials (client id or secret wrong, or the project lacks API access).` }))
          )
          const connection = yield* Connections.connect({
            organizationId: principal.organizationId,
            actorUserId: principal.userId,
            provider: params.carrier,
            externalAccount: payload.accountNumber,
            displayName: `${params.carrier.toUpperCase()} ${payload.accountNumber}`,
            credentials: Redacted.make({
              clientId: payload.clientId,
              clientSecret: payload.clientSecret,
              accountNumber: payload.accountNumber,
              ...(payload.distributionCenter === undefined ? {} : { distributionCenter: payload.distributionCenter }),
              accessToken: Redacted.value(grant.accessToken)
            }),
            tokenExpiresAt: expiryFrom(grant.expiresIn, yield* DateTime.now)
          })
          return toView(connection)
        }).pipe(Effect.catchTags({ InsufficientRole: problems.InsufficientRole, PersistenceError: problems.PersistenceError })))
      .handle("listAccounts", () =>
        caller.pipe(
          Effect.flatMap(Connections.list),
          Effect.map((all) => ({ accounts: all.filter((c) => isCarrier(c.provider)).map(toView) })),
          Effect.catchTags({ PersistenceError: problems.PersistenceError })
        ))
      .handle("quote", ({ params, payload }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          if (!(yield* orderExists(principal, params.id))) return yield* new NotFound({ code: "order_not_found" })
          const api = yield* carrierFor(principal, payload.connectionId)
          const quotes = yield* api.quote({ from: payload.from, to: payload.to, parcel: payload.parcel })
          return { quotes }
        }).pipe(Effect.catchTags({
          CarrierUnavailable: unavailable,
          CarrierRejected: rejected,
          PersistenceError: problems.PersistenceError,
          DecryptionFailed: (e) => Effect.die(e)
        })))
      .handle("ship", ({ params, payload, headers }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          const api = yield* carrierFor(principal, payload.connectionId).pipe(
            Effect.catchTags({ PersistenceError: () => Effect.fail(new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1 })), DecryptionFailed: (e) => Effect.die(e) })
          )
          return yield* idempotent({
            organizationId: principal.organizationId,
            key: headers["idempotency-key"],
            operation: `shipments.create:${params.id}`,
            payload,
            successStatus: 201,
            schema: Shipment,
            run: Shipping.ship(principal.organizationId, params.id, api, { from: payload.from, to: payload.to, parcel: payload.parcel }, payload.service).pipe(
              Effect.catchTags({
                ...orderProblems,
                CarrierUnavailable: (e) =>
                  e.reached
                    ? Effect.fail(new Conflict({ code: "label_outcome_unknown", detail: `${e.carrier} did not confirm the label; check with the carrier before retrying with a new key.` }))
                    : unavailable(e),
                CarrierRejected: rejected,
                PersistenceError: () => Effect.fail(new ServiceUnavailable({ code: "storage_unavailable", retryAfterSeconds: 1 })),
                DecryptionFailed: (e) => Effect.die(e)
              })
            )
          })
        }))
      .handle("shipments", ({ params }) =>
        Effect.gen(function*() {
          const principal = yield* caller
          if (!(yield* orderExists(principal, params.id))) return yield* new NotFound({ code: "order_not_found" })
          return { shipments: yield* (yield* ShipmentRepository).forOrder(principal.organizationId, params.id) }
        }).pipe(Effect.catchTags({ PersistenceError: problems.PersistenceError })))
  })
)
