/** `npm run start:http`: the HTTP app alone, for deployments that run schedulers as separate processes. */
import { Layer } from "effect"
import { run } from "../shared/Platform.ts"
import * as SchedulerProbe from "../shared/SchedulerProbe.ts"
import { ServerLive } from "./Server.ts"

run("tradeport-http", Layer.mergeAll(ServerLive, SchedulerProbe.layer))
