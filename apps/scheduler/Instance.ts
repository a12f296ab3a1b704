/** This scheduler process's identity: in heartbeats, job records and refresh leases. */
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import { InstanceId } from "../../core/ops/Heartbeat.ts"

export const instanceId = InstanceId.make(`${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`)
