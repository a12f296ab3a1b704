/**
 * Use case: re-seal every stored credential under the vault's active key. Resumable (each batch commits; a rerun
 * only finds what is left), safe while the app serves traffic (rows are locked one batch at a time and skipped
 * if busy; a skipped row is picked up by the next run). Credentials that cannot be decrypted are reported by id.
 */
import { Effect } from "effect"
import type { ConnectionId } from "./Connection.ts"
import { ConnectionRepository, type ConnectionRepositoryShape } from "./ports/ConnectionRepository.ts"
import { type CiphertextLocation, CredentialVault } from "./ports/CredentialVault.ts"

type BatchResult = Effect.Success<ReturnType<ConnectionRepositoryShape["resealBatch"]>>

export const rotateAll = Effect.fn("KeyRotation.rotateAll")(function* (batchSize = 100) {
  const repository = yield* ConnectionRepository
  const vault = yield* CredentialVault
  let resealed = 0
  const failed: Array<ConnectionId> = []
  let cursor: ConnectionId | undefined
  const reseal = (sealed: string, location: CiphertextLocation) =>
    vault.decrypt(sealed, location).pipe(Effect.flatMap((plain) => vault.encrypt(plain, location)))
  while (true) {
    const batch: BatchResult = yield* repository.resealBatch(vault.activeKeyId, cursor, batchSize, reseal)
    resealed += batch.resealed
    failed.push(...batch.failed)
    if (batch.lastId === undefined) break
    cursor = batch.lastId
    yield* Effect.logInfo("keys:rotate progress").pipe(Effect.annotateLogs({ resealed, failed: failed.length }))
  }
  return { resealed, failed, activeKeyId: vault.activeKeyId }
})
