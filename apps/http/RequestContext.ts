/**
 * Request ids: accepted from `X-Request-Id` when they are a sane token, generated otherwise. The id is provided
 * to use cases as core's CurrentRequestId, echoed on the response, and put on every log line and the span.
 */
import { randomUUID } from "node:crypto"

const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/

export const requestIdFrom = (header: string | undefined): string =>
  header !== undefined && ACCEPTABLE.test(header) ? header : randomUUID()
