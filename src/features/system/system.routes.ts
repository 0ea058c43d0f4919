import { notFound } from '#core/http/errors.ts'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import { type AppInstance, IdParams, Page, problems } from '#core/http/schemas.ts'
import { JOB_SORT, type JobListRow, listJobs } from '#core/jobs/jobs.queries.ts'
import { findOutboxMessage, listOutboxMessages, OUTBOX_SORT, type OutboxRow } from '#core/mail/mail.queries.ts'
import type { Deps } from '../../deps.ts'
import { requireRole } from '../users/roles.ts'
import { Job, JobListQuery, MailListQuery, MailMessage, MailMessageDetail } from './system.schemas.ts'
import { retryDeadJob } from './system.service.ts'

const iso = (date: Date | null) => (date === null ? null : date.toISOString())

const presentMail = (row: OutboxRow) => ({
  id: Number(row.id),
  job_id: Number(row.job_id),
  to: row.to_address,
  subject: row.subject,
  status: row.status,
  error: row.error,
  created_at: row.created_at.toISOString(),
  sent_at: iso(row.sent_at),
})

const presentJob = (row: JobListRow) => ({
  id: Number(row.id),
  queue: row.queue,
  name: row.name,
  status: row.status,
  attempts: row.attempts,
  max_attempts: row.max_attempts,
  run_at: row.run_at.toISOString(),
  locked_at: iso(row.locked_at),
  last_error: row.last_error,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  finished_at: iso(row.finished_at),
})

/**
 * The admin's view of outgoing mail (the outbox) and of the job queue (issue
 * 13). Read-only but for retrying a dead job. A job's payload is never shown:
 * a queued mail's payload holds its one-time link until it is sent.
 */
export function systemRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'clock'>) {
  const { db } = deps

  app.get(
    '/api/v1/mail',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'listMail',
        tags: ['mail'],
        summary: 'Outgoing mail, newest first (admin)',
        description: 'Every message the mail.send job rendered: sent, kept (no SMTP_URL configured) or failed. Without the bodies.',
        querystring: MailListQuery,
        response: { 200: Page(MailMessage) },
      },
    },
    async (request) => {
      const { query } = request
      const rows = await listOutboxMessages(db, {
        limit: query.limit,
        after: decodeCursor(OUTBOX_SORT, query.cursor),
        status: query.status,
      })
      return toPage(rows, query.limit, presentMail, OUTBOX_SORT)
    },
  )

  app.get(
    '/api/v1/mail/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'getMail',
        tags: ['mail'],
        summary: 'One outgoing message with its text (admin)',
        description:
          'A kept message (no SMTP_URL) shows its links, so a development site needs no mail server; a sent one keeps its one-time links redacted.',
        params: IdParams,
        response: { 200: MailMessageDetail, ...problems('not_found') },
      },
    },
    async (request) => {
      const row = await findOutboxMessage(db, request.params.id)
      if (!row) throw notFound('message', request.params.id)
      return { ...presentMail(row), text: row.text }
    },
  )

  app.get(
    '/api/v1/jobs',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'listJobs',
        tags: ['jobs'],
        summary: 'Background jobs, newest first (admin)',
        description: 'Done jobs are kept 7 days and dead ones 30 days. Failed and dead jobs carry their last error.',
        querystring: JobListQuery,
        response: { 200: Page(Job) },
      },
    },
    async (request) => {
      const { query } = request
      const rows = await listJobs(db, { limit: query.limit, after: decodeCursor(JOB_SORT, query.cursor), status: query.status })
      return toPage(rows, query.limit, presentJob, JOB_SORT)
    },
  )

  app.post(
    '/api/v1/jobs/:id/retry',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'retryJob',
        tags: ['jobs'],
        summary: 'Run a dead job again (admin)',
        description: 'Queues it now with its attempts counted afresh. Only a dead job: any other is a 409.',
        params: IdParams,
        response: { 200: Job, ...problems('not_found', 'conflict') },
      },
    },
    async (request) => presentJob(await retryDeadJob(db, request.params.id, deps.clock())),
  )
}
