/**
 * Who is asking and on behalf of which request: the request id travels with every use case so that audit
 * entries and logs can be tied to the HTTP call (or job run) that caused them.
 */
import { Context } from "effect"

export class CurrentRequestId extends Context.Reference<string | undefined>("tradeport/core/shared/CurrentRequestId", {
  defaultValue: () => undefined
}) {}
