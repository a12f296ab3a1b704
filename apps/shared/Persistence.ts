/** Postgres-backed adapters of the core ports, over whatever SqlClient the app provides. */
import { Layer } from "effect"
import * as PgHeartbeatStore from "../../adapters/postgres/PgHeartbeatStore.ts"

export const PersistenceLive = Layer.mergeAll(PgHeartbeatStore.layer)
