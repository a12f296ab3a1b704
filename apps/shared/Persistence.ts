/** Adapters of the core ports: Postgres-backed stores over the app's SqlClient, and the password KDF. */
import { Layer } from "effect"
import * as ScryptPasswordHasher from "../../adapters/crypto/ScryptPasswordHasher.ts"
import * as PgHeartbeatStore from "../../adapters/postgres/PgHeartbeatStore.ts"
import * as PgIdentityRepository from "../../adapters/postgres/PgIdentityRepository.ts"

export const PersistenceLive = Layer.mergeAll(PgHeartbeatStore.layer, PgIdentityRepository.layer, ScryptPasswordHasher.layer())
