/**
 * The id of the request being served, available to handlers and error rendering. Accepted from `X-Request-Id`
 * when it is a sane token, generated otherwise; echoed on the response, put on every log line and on the span.
 */
import { Context } from "effect"
import { randomUUID } from "node:crypto"

export class RequestId extends Context.Reference<string>("tradeport/apps/http/RequestId", {
  defaultValue: () => "none"
}) {}

const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/

export const requestIdFrom = (header: string | undefined): string =>
  header !== undefined && ACCEPTABLE.test(header) ? header : randomUUID()
