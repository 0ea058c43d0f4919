// Test helpers of the webhooks feature (used by its *.test.ts files only).
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { sql } from '#core/db/database.ts'
import { startJobWorker } from '#core/jobs/queue.ts'
import type { TestApp } from '../../../test/app.ts'
import type { TestClock } from '../../../test/clock.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { jobHandlers } from '../../jobs.ts'
import { webhooksJobHandlers } from './webhooks.jobs.ts'

export type Received = { headers: http.IncomingHttpHeaders; body: string; url: string }

/**
 * A webhook receiver on 127.0.0.1 (a real HTTP server): it keeps every request
 * and answers with `respond` (200 by default); `respond` may also never answer.
 */
export async function startReceiver(t: Pick<TestContext, 'after'>) {
  const received: Received[] = []
  let respond: (res: http.ServerResponse) => void = (res) => res.end('ok')
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '' })
      respond(res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const port = (server.address() as AddressInfo).port
  return {
    received,
    port,
    url: (host = '127.0.0.1') => `http://${host}:${port}/hook`,
    answer(next: (res: http.ServerResponse) => void) {
      respond = next
    },
  }
}

/**
 * What a receiver does (README, Webhooks): recompute the HMAC of "t.body" with
 * the secret, compare in constant time, and refuse a timestamp more than
 * `toleranceS` from its own clock. Answers the parsed body.
 */
export function verifySignature(received: Received, secret: string, nowMs: number, toleranceS = 300) {
  const header = String(received.headers['plinth-signature'] ?? '')
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]))
  const t = Number(parts.t)
  assert.ok(Number.isSafeInteger(t), `a timestamp in ${header}`)
  assert.ok(Math.abs(nowMs / 1000 - t) <= toleranceS, 'the timestamp is within the tolerance')
  const expected = createHmac('sha256', secret).update(`${t}.${received.body}`).digest()
  const given = Buffer.from(String(parts.v1), 'hex')
  assert.ok(given.length === expected.length && timingSafeEqual(given, expected), 'the signature matches')
  return JSON.parse(received.body) as { id: string; type: string; created_at: string; data: Record<string, unknown> }
}

/** The server's job worker (every handler of src/jobs.ts, the app's clock), with a short webhook timeout; stopped after the test. */
export function startWorker(t: Pick<TestContext, 'after'>, testApp: TestApp, options: { timeoutMs?: number } = {}) {
  const worker = startJobWorker({
    db: testApp.database.db,
    clock: testApp.deps.clock,
    log: testApp.app.log,
    pollMs: 10,
    handlers: { ...jobHandlers(testApp.deps), ...webhooksJobHandlers(testApp.deps, { timeoutMs: options.timeoutMs ?? 2000 }) },
  })
  t.after(() => worker.stop(5000))
  return worker
}

export type DeliveryState = { id: number; status: string; attempts: number; event_type: string }

/** The deliveries of one subscription, oldest first. */
export const deliveriesOf = (testApp: TestApp, webhookId: number) =>
  sql<DeliveryState>`select id::int as id, status, attempts, event_type from webhook_deliveries
      where subscription_id = ${webhookId} order by id`
    .execute(testApp.database.db)
    .then((r) => r.rows)

/** Waits until a delivery of `webhookId` has `attempts` attempts (or is no longer pending). */
export const waitForAttempts = (testApp: TestApp, webhookId: number, attempts: number, deliveryIndex = 0) =>
  waitFor(
    `delivery ${deliveryIndex} of webhook ${webhookId} to reach ${attempts} attempt(s)`,
    async () => {
      const row = (await deliveriesOf(testApp, webhookId))[deliveryIndex]
      return row && row.attempts >= attempts ? row : undefined
    },
    { timeoutMs: 20_000 },
  )

/** Admin headers for an app's signed-in admin. */
export type AdminHeaders = Record<string, string>

/** Creates a subscription over HTTP; answers its JSON (with the secret, shown once). */
export async function createWebhookVia(testApp: TestApp, admin: AdminHeaders, body: Record<string, unknown>) {
  const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: admin, payload: body })
  assert.equal(response.statusCode, 201, response.body)
  return response.json() as { id: number; secret: string; url: string; events: string[] }
}

/** Turns the setting webhooks_allow_private on or off. */
export async function allowPrivate(testApp: TestApp, admin: AdminHeaders, value: boolean) {
  const response = await testApp.app.inject({
    method: 'PATCH',
    url: '/api/v1/settings',
    headers: admin,
    payload: { webhooks_allow_private: value },
  })
  assert.equal(response.statusCode, 200, response.body)
}

export type { TestClock }
