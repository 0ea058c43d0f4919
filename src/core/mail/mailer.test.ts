import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { type ParsedMail, simpleParser } from 'mailparser'
import pino from 'pino'
import { SMTPServer } from 'smtp-server'
import type { Db } from '#core/db/database.ts'
import { findJob, type JobStatus } from '#core/jobs/jobs.queries.ts'
import { enqueueJob, startJobWorker } from '#core/jobs/queue.ts'
import { sharedTestDatabase } from '../../../test/db.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { listOutboxMessages } from './mail.queries.ts'
import { defaultMailFrom, MAIL_SEND_JOB, type MailMessage, mailJobHandlers, queueMail } from './mailer.ts'

// The tests of this file share one database and the default queue: each test
// waits until its jobs are done or dead, and stops its worker, before the next starts.
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })
const FROM = 'Bakery Rosa <no-reply@bakery.example>'

/** A real SMTP server on a free local port, closed after the test. `refuse` decides, per delivery, to answer 550. */
async function startSmtpServer(t: TestContext, options: { refuse?: (delivery: number) => boolean } = {}) {
  const received: ParsedMail[] = []
  let deliveries = 0
  let refused = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      deliveries++
      if (options.refuse?.(deliveries)) {
        refused++
        callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }))
      } else callback()
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail)
          callback()
        },
        (error: Error) => callback(error),
      )
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.server.address() as AddressInfo
  return { url: `smtp://127.0.0.1:${port}`, received, refused: () => refused }
}

function startMailWorker(t: TestContext, db: Db, smtpUrl: string | undefined) {
  const worker = startJobWorker({ db, log, pollMs: 10, retryDelayMs: () => 10, handlers: mailJobHandlers({ db, smtpUrl, from: FROM }) })
  t.after(() => worker.stop())
}

const jobInState =
  (db: Db, id: number, ...statuses: JobStatus[]) =>
  async () => {
    const job = await findJob(db, id)
    return job && statuses.includes(job.status) ? job : undefined
  }

const outboxRowOf = async (db: Db, jobId: number) => (await listOutboxMessages(db, { limit: 100 })).find((row) => row.job_id === jobId)

const welcome = (to: string): MailMessage<'notice'> => ({
  to,
  subject: 'Welcome to Bakery Rosa <3',
  template: 'notice',
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

  const jobId = await db.transaction().execute((trx) => queueMail(trx, welcome('rosa@example.test')))
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

  const jobId = await queueMail(db, welcome('kept@example.test'))
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

  const jobId = await queueMail(db, welcome('full@example.test'))
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

  const jobId = await queueMail(db, welcome('later@example.test'))
  const job = await waitFor('the job to be done', jobInState(db, jobId, 'done'))
  assert.equal(job.attempts, 3)
  assert.match(job.last_error ?? '', /550 Mailbox unavailable/, 'the job keeps the error of its last failed attempt')
  assert.equal(smtp.received.length, 1)
  const row = await outboxRowOf(db, jobId)
  assert.equal(row?.status, 'sent')
  assert.equal(row?.error, null)
  assert.equal((await listOutboxMessages(db, { limit: 100 })).filter((r) => r.job_id === jobId).length, 1, 'one row per mail')
})

test('queueMail refuses a bad message in the caller, before anything is queued', async () => {
  const { db } = (await sharedTestDatabase()).database
  const good = welcome('ok@example.test')
  const cases: [string, unknown, RegExp][] = [
    ['an invalid address', { ...good, to: 'not an address' }, /\/to/],
    ['an address with a line break', { ...good, to: 'a@example.test\r\nBcc: b@example.test' }, /\/to/],
    ['an empty subject', { ...good, subject: '' }, /\/subject/],
    ['a subject with a line break', { ...good, subject: 'Hi\r\nBcc: b@example.test' }, /\/subject/],
    ['an unknown template', { ...good, template: 'nope' }, /unknown mail template "nope"/],
    ['a javascript: link', { ...good, data: { ...good.data, action: { label: 'x', url: 'javascript:alert(1)' } } }, /\/action\/url/],
    ['a missing heading', { ...good, data: { paragraphs: [] } }, /heading/],
  ]
  for (const [what, message, error] of cases) {
    let jobId: number | undefined
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        jobId = await queueMail(trx, message as MailMessage)
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
  const jobId = await enqueueJob(db, { name: MAIL_SEND_JOB, payload: { ...welcome('x@example.test'), template: 'gone' } })
  const job = await waitFor('the job to be dead', jobInState(db, jobId, 'dead'))
  assert.equal(job.attempts, 1)
  assert.equal(job.last_error, 'unknown mail template "gone"')
  assert.equal(await outboxRowOf(db, jobId), undefined)
})

test('the default sender is no-reply at the public host name', () => {
  assert.equal(defaultMailFrom('https://bakery.example'), 'no-reply@bakery.example')
  assert.equal(defaultMailFrom('http://127.0.0.1:3000'), 'no-reply@localhost')
  assert.equal(defaultMailFrom('http://[::1]:3000'), 'no-reply@localhost')
})
