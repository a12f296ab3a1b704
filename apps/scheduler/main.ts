/** `npm run start:scheduler`: the background jobs alone; run as many instances as you like. */
import { run } from "../shared/Platform.ts"
import { SchedulerLive } from "./Scheduler.ts"

run("tradeport-scheduler", SchedulerLive)
