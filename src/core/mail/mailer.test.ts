import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import type { ParsedMail } from 'mailparser'
import pino from 'pino'
import { systemClock } from '#core/clock.ts'
import { type Db, sql } from '#core/db/database.ts'
import type { JobStatus } from '#core/jobs/jobs.queries.ts'
import { enqueueJob, startJobWorker } from '#core/jobs/queue.ts'
import { sharedTestDatabase } from '../../../test/db.ts'
import { findJob } from '../../../test/jobs.ts'
import { startSmtpServer } from '../../../test/smtp.ts'
import { waitFor } from '../../../test/wait-for.ts'
import type { OutboxStatus } from './mail.queries.ts'
import {
  createMailTemplates,
  defaultMailFrom,
  defineMailTemplate,
  MAIL_SEND_JOB,
  type MailMessage,
  mailJobHandlers,
  queueMail,
} from './mailer.ts'
import { NoticeData, renderNotice } from './templates/notice.ts'

// The tests of this file share one database and the default queue: each test
// waits until its jobs are done or dead, and stops its worker, before the next starts.
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })
const FROM = 'Bakery Rosa <no-reply@bakery.example>'

/** A template as a feature would define it, registered in this file's own registry (what Deps.mail is to the app). */
const welcomeMail = defineMailTemplate('test.welcome', { data: NoticeData, render: renderNotice })
const templates = createMailTemplates()
templates.register(welcomeMail)

function startMailWorker(t: TestContext, db: Db, smtpUrl: string | undefined) {
  const worker = startJobWorker({
    db,
    clock: systemClock,
    log,
    pollMs: 10,
    retryDelayMs: () => 10,
    handlers: mailJobHandlers({ db, templates, smtpUrl, from: FROM }),
  })
  t.after(() => worker.stop())
}

const jobInState =
  (db: Db, id: number, ...statuses: JobStatus[]) =>
  async () => {
    const job = await findJob(db, id)
    return job && statuses.includes(job.status) ? job : undefined
  }

type OutboxRow = {
  job_id: number
  to_address: string
  subject: string
  text: string
  html: string
  status: OutboxStatus
  error: string | null
  sent_at: Date | null
}

const outboxRowsOf = async (db: Db, jobId: number) =>
  (
    await sql<OutboxRow>`select job_id, to_address, subject, text, html, status, error, sent_at
                           from mail_outbox where job_id = ${jobId}`.execute(db)
  ).rows
const outboxRowOf = async (db: Db, jobId: number) => (await outboxRowsOf(db, jobId))[0]

const welcome = (to: string): MailMessage<typeof NoticeData> => ({
  to,
  subject: 'Welcome to Bakery Rosa <3',
  data: {
    heading: 'Hello <b>Rosa</b> & friends',
    paragraphs: ['Your account is ready.', 'Pick up "bread" at 8:00 — żółć 🍞.'],
    action: { label: 'Confirm your address', url: 'https://bakery.example/verify?token=abc&next=/' },
    footnote: 'You get this mail because someone signed up with this address.',
  },
})

test('a queued mail goes out over SMTP with its address, subject, text and escaped HTML, and the outbox says sent', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const smtp = await startSmtpServer(t)
  startMailWorker(t, db, smtp.url)

  const jobId = await db.transaction().execute((trx) => queueMail(trx, welcomeMail, welcome('rosa@example.test')))
  await waitFor('the job to be done', jobInState(db, jobId, 'done'))

  assert.equal(smtp.received.length, 1)
  const mail = smtp.received[0] as ParsedMail
  assert.deepEqual(
    (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((to) => to?.value.map((a) => a.address)),
    ['rosa@example.test'],
  )
  assert.equal(mail.from?.value[0]?.address, 'no-reply@bakery.example')
  assert.equal(mail.subject, 'Welcome to Bakery Rosa <3')
  assert.equal(
    mail.text?.trim(),
    [
      'Hello <b>Rosa</b> & friends',
      'Your account is ready.',
      'Pick up "bread" at 8:00 — żółć 🍞.',
      'Confirm your address: https://bakery.example/verify?token=abc&next=/',
      '--\nYou get this mail because someone signed up with this address.',
    ].join('\n\n'),
  )
  const html = String(mail.html)
  assert.match(html, /<h1[^>]*>Hello &lt;b&gt;Rosa&lt;\/b&gt; &amp; friends<\/h1>/)
  assert.ok(!html.includes('<b>Rosa'), 'user text never becomes markup')
  assert.match(html, /<p[^>]*>Pick up &quot;bread&quot; at 8:00 — żółć 🍞\.<\/p>/)
  assert.match(html, /<a href="https:\/\/bakery\.example\/verify\?token=abc&amp;next=\/"[^>]*>Confirm your address<\/a>/)

  const row = await outboxRowOf(db, jobId)
  assert.equal(row?.status, 'sent')
  assert.equal(row?.to_address, 'rosa@example.test')
  assert.equal(row?.subject, 'Welcome to Bakery Rosa <3')
  assert.equal(row?.error, null)
  assert.ok(row?.sent_at instanceof Date)
  assert.equal(row?.text.trim(), mail.text?.trim())
  assert.ok(row?.html.includes('Hello &lt;b&gt;Rosa&lt;/b&gt; &amp; friends'))
})

test('without SMTP_URL the mail is kept in the outbox, not sent', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  startMailWorker(t, db, undefined)

  const jobId = await queueMail(db, welcomeMail, welcome('kept@example.test'))
  await waitFor('the job to be done', jobInState(db, jobId, 'done'))
  const row = await outboxRowOf(db, jobId)
  assert.equal(row?.status, 'kept')
  assert.equal(row?.to_address, 'kept@example.test')
  assert.equal(row?.sent_at, null)
  assert.match(row?.text ?? '', /^Hello <b>Rosa<\/b> & friends\n\nYour account is ready\./)
  assert.match(row?.html ?? '', /^<!doctype html>/)
})

test('a mail the SMTP server refuses is retried until its last attempt; the job and the outbox keep the refusal', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const smtp = await startSmtpServer(t, { refuse: () => true })
  startMailWorker(t, db, smtp.url)

  const jobId = await queueMail(db, welcomeMail, welcome('full@example.test'))
  const job = await waitFor('the job to be dead', jobInState(db, jobId, 'dead'))
  assert.equal(job.attempts, 5, 'the default number of attempts')
  assert.equal(smtp.refused(), 5, 'every attempt reached the server')
  assert.equal(smtp.received.length, 0)
  assert.match(job.last_error ?? '', /550 Mailbox unavailable/)
  const row = await outboxRowOf(db, jobId)
  assert.equal(row?.status, 'failed')
  assert.match(row?.error ?? '', /550 Mailbox unavailable/)
  assert.equal(row?.sent_at, null)
})

test('a mail refused twice and accepted on the third attempt is sent once, and its outbox row says sent', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const smtp = await startSmtpServer(t, { refuse: (delivery) => delivery <= 2 })
  startMailWorker(t, db, smtp.url)

  const jobId = await queueMail(db, welcomeMail, welcome('later@example.test'))
  const job = await waitFor('the job to be done', jobInState(db, jobId, 'done'))
  assert.equal(job.attempts, 3)
  assert.match(job.last_error ?? '', /550 Mailbox unavailable/, 'the job keeps the error of its last failed attempt')
  assert.equal(smtp.received.length, 1)
  const row = await outboxRowOf(db, jobId)
  assert.equal(row?.status, 'sent')
  assert.equal(row?.error, null)
  assert.equal((await outboxRowsOf(db, jobId)).length, 1, 'one row per mail')
})

test('queueMail refuses a bad message in the caller, before anything is queued', async () => {
  const { db } = (await sharedTestDatabase()).database
  const good = welcome('ok@example.test')
  const cases: [string, unknown, RegExp][] = [
    ['an invalid address', { ...good, to: 'not an address' }, /\/to/],
    ['an address with a line break', { ...good, to: 'a@example.test\r\nBcc: b@example.test' }, /\/to/],
    ['an empty subject', { ...good, subject: '' }, /\/subject/],
    ['a subject with a line break', { ...good, subject: 'Hi\r\nBcc: b@example.test' }, /\/subject/],
    ['a javascript: link', { ...good, data: { ...good.data, action: { label: 'x', url: 'javascript:alert(1)' } } }, /\/action\/url/],
    ['a missing heading', { ...good, data: { paragraphs: [] } }, /heading/],
  ]
  for (const [what, message, error] of cases) {
    let jobId: number | undefined
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        jobId = await queueMail(trx, welcomeMail, message as MailMessage<typeof NoticeData>)
      }),
      (thrown: Error) => thrown instanceof TypeError && error.test(thrown.message),
      what,
    )
    assert.equal(jobId, undefined, `${what}: nothing queued`)
  }
})

test('a mail job whose stored payload is not a valid message goes dead at once, without a retry', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  startMailWorker(t, db, undefined)
  const cases: [string, unknown, string][] = [
    ['a template nobody registered', { ...welcome('x@example.test'), template: 'gone' }, 'unknown mail template "gone"'],
    [
      'no address',
      { ...welcome('x@example.test'), to: undefined, template: 'test.welcome' },
      'invalid message: / must have required properties to',
    ],
    [
      'data its template refuses',
      { ...welcome('x@example.test'), template: 'test.welcome', data: { heading: '' } },
      'invalid data for mail template "test.welcome": / must have required properties paragraphs',
    ],
  ]
  for (const [what, payload, error] of cases) {
    const jobId = await enqueueJob(db, { name: MAIL_SEND_JOB, payload })
    const job = await waitFor(`${what}: the job to be dead`, jobInState(db, jobId, 'dead'))
    assert.equal(job.attempts, 1, what)
    assert.equal(job.last_error, error, what)
    assert.equal(await outboxRowOf(db, jobId), undefined, what)
  }
})

test('templates are registered by name: the same one twice is fine, another under a taken name or a malformed name is refused', () => {
  const registry = createMailTemplates()
  registry.register(welcomeMail, welcomeMail)
  assert.equal(registry.find('test.welcome'), welcomeMail)
  assert.equal(registry.find('notice'), undefined, 'core registers nothing of its own')
  const impostor = defineMailTemplate('test.welcome', { data: NoticeData, render: renderNotice })
  assert.throws(() => registry.register(impostor), /mail template "test.welcome" is already registered/)
  for (const name of ['', 'Welcome', 'test..welcome', 'test.welcome.', 'a b', 'x'.repeat(101)]) {
    assert.throws(() => defineMailTemplate(name, { data: NoticeData, render: renderNotice }), TypeError, JSON.stringify(name))
  }
})

test('the default sender is no-reply at the public host name', () => {
  assert.equal(defaultMailFrom('https://bakery.example'), 'no-reply@bakery.example')
  assert.equal(defaultMailFrom('http://127.0.0.1:3000'), 'no-reply@localhost')
  assert.equal(defaultMailFrom('http://[::1]:3000'), 'no-reply@localhost')
})
