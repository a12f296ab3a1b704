/**
 * A carrier as the shipping use cases see it: checking a merchant's account before it is stored (`verify`), and the
 * operations of one stored account (`open`: quote, label, track), built from a connection read once with its
 * credentials. Carrier adapters implement it and register it in the provider catalogue.
 */
import type { DateTime, Effect, Redacted } from "effect"
import type { Credentials, OpenedConnection } from "../connections/Connection.ts"
import type { DecryptionFailed } from "../connections/ports/CredentialVault.ts"
import type { ProviderServices } from "../providers/ports/ProviderCatalogue.ts"
import type { ProviderId } from "../providers/Provider.ts"
import type { PersistenceError } from "../shared/errors.ts"
import type {
  CarrierRejected,
  CarrierUnavailable,
  Label,
  RateQuote,
  ShipmentRequest,
  TrackingUpdate
} from "./Shipment.ts"

/** One carrier account's operations. */
export interface CarrierApi {
  readonly carrier: ProviderId
  readonly connectionId: string
  readonly quote: (
    request: ShipmentRequest
  ) => Effect.Effect<ReadonlyArray<RateQuote>, CarrierFailure, ProviderServices>
  readonly label: (
    request: ShipmentRequest,
    service: string,
    reference: string
  ) => Effect.Effect<Label, CarrierFailure, ProviderServices>
  readonly track: (trackingNumber: string) => Effect.Effect<TrackingUpdate, CarrierFailure, ProviderServices>
}

/**
 * What a carrier call can end in: the carrier's answer, storage trouble reading the account's token, or a stored
 * token that cannot be decrypted (a broken keyring: the caller decides — an HTTP request fails, a job moves on).
 */
export type CarrierFailure = CarrierUnavailable | CarrierRejected | PersistenceError | DecryptionFailed

/** A merchant's own carrier account, as entered. */
export interface CarrierAccountInput {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly accountNumber: string
  /** Carrier-specific settings (DHL eCommerce: the distribution center). */
  readonly distributionCenter: string | undefined
}

/** An account the carrier accepted: what to store (sealed) and when its first token expires. */
export interface VerifiedCarrierAccount {
  readonly credentials: Redacted.Redacted<Credentials>
  readonly tokenExpiresAt: DateTime.Utc | undefined
}

export interface CarrierAdapter {
  /**
   * Checks the account with the carrier (a token fetch) before anything is stored. Refusals are CarrierRejected
   * with code `credentials_refused`, or the code of a missing carrier-specific setting.
   */
  readonly verify: (
    input: CarrierAccountInput
  ) => Effect.Effect<VerifiedCarrierAccount, CarrierUnavailable | CarrierRejected>
  readonly open: (account: OpenedConnection) => CarrierApi
}
