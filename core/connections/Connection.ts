/**
 * A connection: one organisation's authorised link to one account at a provider. Its credentials are opaque to
 * everything but the provider adapter that uses them and are stored sealed; what the rest of the system sees is
 * the connection's status and token health.
 */
import { type Redacted, Schema } from "effect"
import { ProviderId } from "../providers/Provider.ts"
import { OrgId } from "../shared/Ids.ts"

export const ConnectionId = Schema.String.pipe(Schema.check(Schema.isUUID()), Schema.brand("ConnectionId"))
export type ConnectionId = typeof ConnectionId.Type

export { ProviderId } from "../providers/Provider.ts"

export const ConnectionStatus = Schema.Literals(["connected", "error", "needs_reauth", "disconnected"])
export type ConnectionStatus = typeof ConnectionStatus.Type

/** Provider secrets as one record (access/refresh tokens, client credentials, consumer keys…), sealed as JSON. */
export const Credentials = Schema.Record(Schema.String, Schema.String)
export type Credentials = typeof Credentials.Type

/** What every token-holding connection's credentials share, whatever else its provider stores beside them. */
export const TokenCredentials = Schema.Struct({
  accessToken: Schema.optionalKey(Schema.String),
  refreshToken: Schema.optionalKey(Schema.String)
})

export class Connection extends Schema.Class<Connection>("Connection")({
  id: ConnectionId,
  organizationId: OrgId,
  provider: ProviderId,
  externalAccount: Schema.String,
  displayName: Schema.String,
  status: ConnectionStatus,
  tokenExpiresAt: Schema.NullOr(Schema.DateTimeUtc),
  lastRefreshedAt: Schema.NullOr(Schema.DateTimeUtc),
  lastError: Schema.NullOr(Schema.String),
  credentialsVersion: Schema.Int,
  /** Non-secret choices made on the connection (the Amazon Ads profile in use…). */
  settings: Schema.Record(Schema.String, Schema.String)
}) {}

/** A connection read together with its decrypted credentials (one read), for the adapter that uses them. */
export interface OpenedConnection {
  readonly connection: Connection
  readonly credentials: Redacted.Redacted<Credentials>
  /** The credentials version read (for compare-and-set writes). */
  readonly version: number
}

export class ConnectionNotFound extends Schema.TaggedError<ConnectionNotFound>()("ConnectionNotFound", {}) {}

/** The stored credentials changed since they were read (someone else refreshed or rotated them). */
export class CredentialsChanged extends Schema.TaggedError<CredentialsChanged>()("CredentialsChanged", {}) {}

/** Errors reach users and logs: keep them short and free of anything secret-looking. */
export const sanitizeError = (message: string): string =>
  message
    .replace(/(bearer|basic)\s+[\w\-.~+/=]+/gi, "$1 <redacted>")
    .replace(
      /([?&](?:code|token|access_token|refresh_token|client_secret|key|secret|hmac|signature)=)[^&\s]+/gi,
      "$1<redacted>"
    )
    .replace(/\b(?:ck|cs|shpat|shpua|Atzr)[|_][\w-]{6,}/g, "<redacted>")
    .slice(0, 500)
