/** Carrier accounts and shipments: decode → one shipping use case → encode (errors mapped in ErrorMapping). */
import { Effect, Redacted } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ConnectionId } from "../../core/connections/Connection.ts"
import * as Shipping from "../../core/shipping/Shipping.ts"
import { Api } from "./Api.ts"
import { caller } from "./Authentication.ts"
import { toView } from "./ConnectionsHandlers.ts"
import { problems } from "./ErrorMapping.ts"

const shipmentInput = <P extends Omit<Shipping.ShipmentInput, "connectionId"> & { readonly connectionId: string }>(
  payload: P
) => ({
  ...payload,
  connectionId: ConnectionId.make(payload.connectionId)
})

const carrierProblems = {
  CarrierUnavailable: problems.CarrierUnavailable,
  CarrierRejected: problems.CarrierRejected,
  CarrierAccountUnusable: problems.CarrierAccountUnusable,
  ConnectionNotFound: problems.ConnectionNotFound,
  OrderNotFound: problems.OrderNotFound,
  PersistenceError: problems.PersistenceError,
  DecryptionFailed: problems.DecryptionFailed
} as const

export const CarriersHandlers = HttpApiBuilder.group(Api, "carriers", (handlers) =>
  handlers
    .handle("addAccount", ({ params, payload }) =>
      Effect.gen(function* () {
        const account = {
          ...payload,
          clientSecret: Redacted.make(payload.clientSecret),
          distributionCenter: payload.distributionCenter
        }
        return toView(yield* Shipping.addAccount(yield* caller, params.carrier, account))
      }).pipe(
        Effect.catchTags({
          InsufficientRole: problems.InsufficientRole,
          ProviderLookupError: problems.ProviderLookupError,
          CarrierUnavailable: problems.CarrierUnavailable,
          CarrierRejected: problems.CarrierRejected,
          PersistenceError: problems.PersistenceError
        })
      )
    )
    .handle("listAccounts", () =>
      caller.pipe(
        Effect.flatMap(Shipping.listAccounts),
        Effect.map((accounts) => ({ accounts: accounts.map(toView) })),
        Effect.catchTags({ PersistenceError: problems.PersistenceError })
      )
    )
    .handle("quote", ({ params, payload }) =>
      caller.pipe(
        Effect.flatMap((principal) => Shipping.quote(principal, params.id, shipmentInput(payload))),
        Effect.map((quotes) => ({ quotes })),
        Effect.catchTags(carrierProblems)
      )
    )
    .handle("ship", ({ params, payload, headers }) =>
      caller.pipe(
        Effect.flatMap((principal) =>
          Shipping.ship(principal, params.id, headers["idempotency-key"], shipmentInput(payload))
        ),
        Effect.catchTags({
          ...carrierProblems,
          OrderNotShippable: problems.OrderNotShippable,
          IdempotencyError: problems.IdempotencyError,
          ReplayedFailure: problems.ReplayedFailure,
          IrreversibleOutcome: problems.IrreversibleOutcome
        })
      )
    )
    .handle("shipments", ({ params }) =>
      caller.pipe(
        Effect.flatMap((principal) => Shipping.shipments(principal, params.id)),
        Effect.map((shipments) => ({ shipments })),
        Effect.catchTags({ OrderNotFound: problems.OrderNotFound, PersistenceError: problems.PersistenceError })
      )
    )
)
