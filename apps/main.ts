/** `npm start`: HTTP app and scheduler in one process, on embedded defaults when nothing is configured. */
import { Layer } from "effect"
import { ServerLive } from "./http/Server.ts"
import { SchedulerLive } from "./scheduler/Scheduler.ts"
import * as SchedulerProbe from "./shared/SchedulerProbe.ts"
import { run } from "./shared/Platform.ts"

run("tradeport", Layer.mergeAll(ServerLive, SchedulerLive, SchedulerProbe.layer))
