/**
 * Port: connections and their sealed credentials. Organisation-scoped methods run under that organisation's
 * row-level-security context. Credentials are written only as ciphertext, and `saveCredentials` is a
 * compare-and-set on the credentials version: a rotated refresh token is stored together with its access token,
 * or not at all.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { OrgId } from "../../shared/Ids.ts"
import type { PersistenceError } from "../../shared/errors.ts"
import type {
  Connection,
  ConnectionId,
  ConnectionNotFound,
  ConnectionStatus,
  CredentialsChanged,
  ProviderId
} from "../Connection.ts"
import type { CiphertextLocation, DecryptionFailed } from "./CredentialVault.ts"

export interface ConnectionWrite {
  readonly id: ConnectionId
  readonly provider: ProviderId
  readonly externalAccount: string
  readonly displayName: string
  readonly sealedCredentials: string
  readonly tokenExpiresAt: DateTime.Utc | undefined
}

export interface SealedCredentials {
  readonly sealed: string
  readonly version: number
}

export interface CredentialsWrite {
  readonly sealed: string
  readonly tokenExpiresAt: DateTime.Utc | undefined
  readonly expectedVersion: number
}

export interface ConnectionRepositoryShape {
  readonly findByAccount: (
    organizationId: OrgId,
    provider: ProviderId,
    externalAccount: string
  ) => Effect.Effect<Option.Option<Connection>, PersistenceError>
  /** Inserts, or reconnects the existing row for the same account; None if another id won a concurrent insert. */
  readonly upsertConnected: (
    organizationId: OrgId,
    write: ConnectionWrite
  ) => Effect.Effect<Option.Option<Connection>, PersistenceError>
  readonly get: (organizationId: OrgId, id: ConnectionId) => Effect.Effect<Option.Option<Connection>, PersistenceError>
  readonly list: (organizationId: OrgId) => Effect.Effect<ReadonlyArray<Connection>, PersistenceError>
  readonly credentials: (
    organizationId: OrgId,
    id: ConnectionId
  ) => Effect.Effect<Option.Option<SealedCredentials>, PersistenceError>
  /** The connection and its sealed credentials (none once disconnected) in one read. */
  readonly open: (
    organizationId: OrgId,
    id: ConnectionId
  ) => Effect.Effect<
    Option.Option<{ readonly connection: Connection; readonly sealed: Option.Option<SealedCredentials> }>,
    PersistenceError
  >
  readonly saveCredentials: (
    organizationId: OrgId,
    id: ConnectionId,
    write: CredentialsWrite
  ) => Effect.Effect<Connection, ConnectionNotFound | CredentialsChanged | PersistenceError>
  readonly setStatus: (
    organizationId: OrgId,
    id: ConnectionId,
    status: ConnectionStatus,
    lastError: string | undefined
  ) => Effect.Effect<Connection, ConnectionNotFound | PersistenceError>
  /** Merges non-secret settings into the connection's (credentials and status untouched). */
  readonly setSettings: (
    organizationId: OrgId,
    id: ConnectionId,
    settings: Readonly<Record<string, string>>
  ) => Effect.Effect<Connection, ConnectionNotFound | PersistenceError>
  /** Wipes the credentials and marks the connection disconnected. */
  readonly disconnect: (
    organizationId: OrgId,
    id: ConnectionId
  ) => Effect.Effect<Connection, ConnectionNotFound | PersistenceError>
  /**
   * Platform path for key rotation: re-seals up to `limit` credentials (ids after `afterId`) not sealed with
   * `activeKeyId`, each row locked while it is re-sealed (SKIP LOCKED: several rotators and live traffic can run
   * at once). `lastId` is the cursor for the next batch; none when the table is done.
   */
  readonly resealBatch: (
    activeKeyId: string,
    afterId: ConnectionId | undefined,
    limit: number,
    reseal: (sealed: string, location: CiphertextLocation) => Effect.Effect<string, DecryptionFailed>
  ) => Effect.Effect<
    {
      readonly resealed: number
      readonly failed: ReadonlyArray<ConnectionId>
      readonly lastId: ConnectionId | undefined
    },
    PersistenceError
  >
}

export class ConnectionRepository extends Context.Service<ConnectionRepository, ConnectionRepositoryShape>()(
  "tradeport/core/connections/ports/ConnectionRepository"
) {}
