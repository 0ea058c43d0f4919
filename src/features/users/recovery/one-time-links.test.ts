import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import { type Db, sql } from '#core/db/database.ts'
import { MAIL_SEND_JOB, mailJobHandlers } from '#core/mail/mailer.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { createUser } from '../../../../test/factories.ts'
import { findJob } from '../../../../test/jobs.ts'
import { startSmtpServer } from '../../../../test/smtp.ts'

/**
 * Issue 9, item 7: a one-time link is readable in the mail that carries it and
 * nowhere after: once sent, the outbox row and the job's payload keep it redacted.
 */

type MailJob = { id: number; payload: { to: string; template: string; data: { url: string } } }

const mailJobTo = async (db: Db, to: string) =>
  (
    await sql<MailJob>`select id, payload from jobs where name = ${MAIL_SEND_JOB} and payload->>'to' = ${to} order by id desc limit 1`.execute(
      db,
    )
  ).rows[0] as MailJob

/** Runs the mail job as the worker would, with SMTP at `smtpUrl` (or none). */
const runMailJob = (testApp: TestApp, job: MailJob, smtpUrl: string | undefined) =>
  mailJobHandlers({ db: testApp.deps.db, templates: testApp.deps.mail, smtpUrl, from: 'no-reply@example.com' })[MAIL_SEND_JOB]?.(
    job.payload,
    { id: job.id, attempt: 1, maxAttempts: 5, log: pino({ level: 'silent' }), signal: new AbortController().signal },
  )

const outboxOf = async (db: Db, jobId: number) =>
  (
    await sql<{ text: string; html: string; status: string }>`select text, html, status from mail_outbox where job_id = ${jobId}`.execute(
      db,
    )
  ).rows[0]

test('a sent password-reset mail keeps its link only redacted, in the outbox and in the job; the link still works', async (t) => {
  const clock = testClock(TRICKY_HOURS[0])
  const testApp = await buildTestApp(t, { clock })
  const smtp = await startSmtpServer(t)
  const user = await createUser(testApp.database.db)
  const asked = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } })
  assert.equal(asked.statusCode, 202, asked.body)
  const job = await mailJobTo(testApp.database.db, user.email)
  const link = job.payload.data.url
  const token = new URL(link).searchParams.get('token') as string
  assert.ok(token.length >= 20)

  await runMailJob(testApp, job, smtp.url)
  assert.equal(smtp.received.length, 1)
  assert.ok(smtp.received[0]?.text?.includes(link), 'the mail itself carries the link')

  const row = await outboxOf(testApp.database.db, job.id)
  assert.equal(row?.status, 'sent')
  const stored = JSON.stringify((await findJob(testApp.database.db, job.id))?.payload)
  for (const [where, text] of [
    ['outbox text', row?.text],
    ['outbox html', row?.html],
    ['job payload', stored],
  ] as const) {
    assert.ok(!text?.includes(token), `${where} does not hold the token: ${text}`)
  }
  assert.ok(row?.text.includes(`${new URL(link).origin}${new URL(link).pathname}?token=…`), row?.text)
  assert.match(stored, /"url":"[^"]+\?token=…"/)

  const confirmed = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/password-reset/confirm',
    payload: { token, password: 'a brand new passphrase 77' },
  })
  assert.equal(confirmed.statusCode, 204, confirmed.body)
})

test('without SMTP the outbox is the delivery: a kept verification mail stays readable', async (t) => {
  const testApp = await buildTestApp(t, { clock: testClock(TRICKY_HOURS[1]) })
  const user = await createUser(testApp.database.db)
  const asked = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } })
  assert.equal(asked.statusCode, 202, asked.body)
  const job = await mailJobTo(testApp.database.db, user.email)
  await runMailJob(testApp, job, undefined)
  const row = await outboxOf(testApp.database.db, job.id)
  assert.equal(row?.status, 'kept')
  assert.ok(row?.text.includes(job.payload.data.url))
})
