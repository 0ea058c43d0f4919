import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

// Accept a caller's id (from a load balancer or a front end) only when it is
// short and plain, so it cannot inject anything into logs or headers.
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers['x-request-id']
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : randomUUID()
}
