import { type JobHandlers, UnrecoverableJobError } from '#core/jobs/queue.ts'
import type { Deps } from '../../deps.ts'
import { isWebhooksPrivateAllowed } from '../settings/settings.service.ts'
import { DELIVER_JOB, queueAttempt } from './webhooks.events.ts'
import { deleteDeliveriesBefore, findDeliveryToSend, insertAttempt, recordDeliveryOutcome } from './webhooks.queries.ts'
import { DEFAULT_TIMEOUT_MS, type SendResult, sendWebhook, signatureHeader } from './webhooks.send.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/**
 * The wait after each failed attempt (decision 0022): 1 min, 5 min, 30 min, 2 h,
 * 6 h, 12 h, 24 h, by the worker's clock and without jitter (a delivery's next
 * time is shown in the API). After the 8th attempt the delivery is failed; about
 * 45 hours from the first.
 */
export const RETRY_DELAYS_MS = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR] as const
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1

/**
 * How long delivery records (and their attempts) are kept. Each delivery job
 * deletes up to PRUNE_BATCH older ones (an index range on created_at), so the
 * log is pruned as fast as it grows without a job of its own.
 */
export const DELIVERY_RETENTION_MS = 30 * 24 * HOUR
const PRUNE_BATCH = 100

export type WebhookJobOptions = { timeoutMs?: number }

/** The body every delivery sends; the signature covers exactly these bytes. */
export const deliveryBody = (row: { event_id: string; event_type: string; event_created_at: Date; data: unknown }) =>
  JSON.stringify({ id: row.event_id, type: row.event_type, created_at: row.event_created_at.toISOString(), data: row.data })

function checkPayload(payload: unknown): { delivery_id: number; attempt: number } {
  const p = payload as { delivery_id?: unknown; attempt?: unknown } | null
  if (p && Number.isSafeInteger(p.delivery_id) && Number.isSafeInteger(p.attempt) && (p.attempt as number) >= 1)
    return { delivery_id: p.delivery_id as number, attempt: p.attempt as number }
  throw new UnrecoverableJobError('a webhooks.deliver job needs {delivery_id, attempt}')
}

/**
 * One attempt per job: the job sends, records the attempt and the delivery's
 * new state, and queues the next attempt in the same transaction. An HTTP
 * failure is an outcome, not a job failure (the job is done; the schedule
 * above, not the queue's backoff, decides the retry). A job that finds its
 * delivery gone, finished or past this attempt does nothing, so a job run twice
 * sends at most one extra request and records nothing twice.
 */
export const webhooksJobHandlers = (deps: Pick<Deps, 'db' | 'clock' | 'secrets'>, options: WebhookJobOptions = {}): JobHandlers => ({
  [DELIVER_JOB]: async (payload, ctx) => {
    const { db, clock } = deps
    const { delivery_id: id, attempt } = checkPayload(payload)
    const row = await findDeliveryToSend(db, id)
    if (row?.status !== 'pending' || row.attempts !== attempt - 1) return
    const startedAt = clock()
    const body = deliveryBody(row)
    const result: SendResult = await sendWebhook(
      row.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'Plinth-Webhooks',
        'plinth-event': row.event_type,
        'plinth-delivery': String(row.id),
        'plinth-signature': signatureHeader(deps.secrets.open(row.secret_sealed), Math.floor(startedAt.getTime() / 1000), body),
      },
      { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, allowPrivate: await isWebhooksPrivateAllowed(db), signal: ctx.signal },
    )
    const succeeded = result.outcome === 'succeeded'
    const delay = succeeded ? undefined : RETRY_DELAYS_MS[attempt - 1]
    const nextAttemptAt = delay === undefined ? null : new Date(startedAt.getTime() + delay)
    await db.transaction().execute(async (trx) => {
      const status = succeeded ? 'succeeded' : nextAttemptAt ? 'pending' : 'failed'
      if (!(await recordDeliveryOutcome(trx, id, attempt, { status, nextAttemptAt }))) return
      await insertAttempt(trx, {
        delivery_id: id,
        number: attempt,
        started_at: startedAt,
        duration_ms: result.durationMs,
        outcome: result.outcome,
        status_code: result.statusCode,
        error: result.error,
        response_excerpt: result.excerpt,
      })
      if (nextAttemptAt) await queueAttempt(trx, id, attempt + 1, nextAttemptAt)
    })
    if (!succeeded) ctx.log.info({ delivery: id, attempt, outcome: result.outcome, status: result.statusCode }, 'webhook attempt failed')
    await deleteDeliveriesBefore(db, new Date(startedAt.getTime() - DELIVERY_RETENTION_MS), PRUNE_BATCH)
  },
})
