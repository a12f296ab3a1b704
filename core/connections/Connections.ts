/**
 * Use cases on connections. Credentials enter sealed (vault) and leave decrypted only through `readCredentials`,
 * for the provider adapter that needs them; every lifecycle change is audited with the request id.
 */
import { type DateTime, Effect, Option, Redacted, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { AuditLog } from "../audit/ports/AuditLog.ts"
import type { Principal } from "../identity/Principal.ts"
import { requireRole } from "../identity/Roles.ts"
import type { OrgId, UserId } from "../shared/Ids.ts"
import { Transactions } from "../shared/ports/Transactions.ts"
import {
  type Connection,
  ConnectionId,
  ConnectionNotFound,
  Credentials,
  type OpenedConnection,
  type ProviderId
} from "./Connection.ts"
import { cacheKeyFor, TokenEnvironment } from "./TokenKeys.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"
import { TokenManager } from "./TokenManager.ts"
import { CredentialVault } from "./ports/CredentialVault.ts"

const FIELD = "credentials"
const encodeCredentials = Schema.encodeSync(Schema.fromJsonString(Credentials))
const decodeCredentials = Schema.decodeUnknownEffect(Schema.fromJsonString(Credentials))

export interface ConnectInput {
  readonly organizationId: OrgId
  readonly actorUserId: UserId | undefined
  readonly provider: ProviderId
  readonly externalAccount: string
  readonly displayName: string
  readonly credentials: Redacted.Redacted<Credentials>
  readonly tokenExpiresAt: DateTime.Utc | undefined
}

export const seal = Effect.fn("Connections.seal")(function* (
  organizationId: OrgId,
  id: ConnectionId,
  credentials: Redacted.Redacted<Credentials>
) {
  const vault = yield* CredentialVault
  return yield* vault.encrypt(Redacted.make(encodeCredentials(Redacted.value(credentials))), {
    organizationId,
    connectionId: id,
    field: FIELD
  })
})

/** Creates the connection, or reconnects the existing one for the same external account. */
export const connect = Effect.fn("Connections.connect")(function* (input: ConnectInput) {
  const repository = yield* ConnectionRepository
  const audit = yield* AuditLog
  const transactions = yield* Transactions
  const tokens = yield* TokenManager
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = yield* repository.findByAccount(input.organizationId, input.provider, input.externalAccount)
    const id = Option.match(existing, { onNone: () => ConnectionId.make(randomUUID()), onSome: (c) => c.id })
    const sealedCredentials = yield* seal(input.organizationId, id, input.credentials)
    const saved = yield* transactions.inOrganization(input.organizationId)(
      Effect.gen(function* () {
        const written = yield* repository.upsertConnected(input.organizationId, {
          id,
          provider: input.provider,
          externalAccount: input.externalAccount,
          displayName: input.displayName,
          sealedCredentials,
          tokenExpiresAt: input.tokenExpiresAt
        })
        if (Option.isSome(written)) {
          yield* audit.record({
            organizationId: input.organizationId,
            actorUserId: input.actorUserId,
            action: "CHANNEL_CONNECTED",
            target: written.value.id,
            details: { provider: input.provider, account: input.externalAccount }
          })
        }
        return written
      })
    )
    if (Option.isSome(saved)) {
      // New credentials: a token cached for the previous ones must not be served again.
      yield* tokens.invalidate(cacheKeyFor(input.provider, yield* TokenEnvironment, saved.value.id))
      return saved.value
    }
    // A concurrent connect of the same account won with another id: re-read and seal for that id.
  }
  return yield* Effect.die(new Error("connect: lost the insert race three times"))
})

const unseal = Effect.fn("Connections.unseal")(function* (organizationId: OrgId, id: ConnectionId, sealed: string) {
  const vault = yield* CredentialVault
  const plaintext = yield* vault.decrypt(sealed, { organizationId, connectionId: id, field: FIELD })
  return Redacted.make(yield* decodeCredentials(Redacted.value(plaintext)).pipe(Effect.orDie))
})

/** The decrypted credentials and the version they were read at (for compare-and-set writes). */
export const readCredentials = Effect.fn("Connections.readCredentials")(function* (
  organizationId: OrgId,
  id: ConnectionId
) {
  const repository = yield* ConnectionRepository
  const stored = yield* repository.credentials(organizationId, id)
  if (Option.isNone(stored)) return yield* new ConnectionNotFound()
  return { credentials: yield* unseal(organizationId, id, stored.value.sealed), version: stored.value.version }
})

/**
 * The connection with its decrypted credentials, read once; none when it does not exist, no credentials when it
 * holds none (disconnected).
 */
export const open = Effect.fn("Connections.open")(function* (organizationId: OrgId, id: ConnectionId) {
  const found = yield* (yield* ConnectionRepository).open(organizationId, id)
  if (Option.isNone(found)) return yield* new ConnectionNotFound()
  const { connection, sealed } = found.value
  if (Option.isNone(sealed)) return { connection, opened: Option.none<OpenedConnection>() }
  const credentials = yield* unseal(organizationId, id, sealed.value.sealed)
  return {
    connection,
    opened: Option.some<OpenedConnection>({ connection, credentials, version: sealed.value.version })
  }
})

export const list = Effect.fn("Connections.list")(function* (principal: Principal) {
  const repository = yield* ConnectionRepository
  return yield* repository.list(principal.organizationId)
})

export const get = Effect.fn("Connections.get")(function* (principal: Principal, id: ConnectionId) {
  const repository = yield* ConnectionRepository
  const found = yield* repository.get(principal.organizationId, id)
  if (Option.isNone(found)) return yield* new ConnectionNotFound()
  return found.value
})

export const disconnect = Effect.fn("Connections.disconnect")(function* (principal: Principal, id: ConnectionId) {
  yield* requireRole(principal.role, "admin")
  const repository = yield* ConnectionRepository
  const audit = yield* AuditLog
  const transactions = yield* Transactions
  const tokens = yield* TokenManager
  const disconnected = yield* transactions.inOrganization(principal.organizationId)(
    Effect.gen(function* () {
      const connection: Connection = yield* repository.disconnect(principal.organizationId, id)
      yield* audit.record({
        organizationId: principal.organizationId,
        actorUserId: principal.userId,
        action: "CHANNEL_DISCONNECTED",
        target: id,
        details: { provider: connection.provider }
      })
      return connection
    })
  )
  // The credentials are gone: so is every cached token made from them.
  yield* tokens.invalidate(cacheKeyFor(disconnected.provider, yield* TokenEnvironment, id))
  return disconnected
})

/**
 * The provider told us the app was removed (Shopify `app/uninstalled`): credentials wiped, connection
 * disconnected, audited with no user as actor. Runs inside the caller's transaction (the webhook pipeline's).
 */
export const markUninstalled = Effect.fn("Connections.markUninstalled")(function* (
  organizationId: OrgId,
  id: ConnectionId
) {
  const repository = yield* ConnectionRepository
  const audit = yield* AuditLog
  const tokens = yield* TokenManager
  const connection = yield* repository.disconnect(organizationId, id)
  yield* audit.record({
    organizationId,
    actorUserId: undefined,
    action: "CHANNEL_DISCONNECTED",
    target: id,
    details: { provider: connection.provider, reason: "uninstalled" }
  })
  yield* tokens.invalidate(cacheKeyFor(connection.provider, yield* TokenEnvironment, id))
  return connection
})

/** Records non-secret choices on a connection (admins), audited with what changed. */
export const changeSettings = Effect.fn("Connections.changeSettings")(function* (
  principal: Principal,
  id: ConnectionId,
  settings: Readonly<Record<string, string>>
) {
  yield* requireRole(principal.role, "admin")
  const repository = yield* ConnectionRepository
  const audit = yield* AuditLog
  const transactions = yield* Transactions
  return yield* transactions.inOrganization(principal.organizationId)(
    Effect.gen(function* () {
      const connection = yield* repository.setSettings(principal.organizationId, id, settings)
      yield* audit.record({
        organizationId: principal.organizationId,
        actorUserId: principal.userId,
        action: "CONNECTION_SETTINGS_CHANGED",
        target: id,
        details: { provider: connection.provider, ...settings }
      })
      return connection
    })
  )
})
