import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { MAIL_SEND_JOB } from '#core/mail/mailer.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { sharedTestDatabase } from '../../../../test/db.ts'
import { createUser, uniqueEmail } from '../../../../test/factories.ts'
import { jobHandlers } from '../../../jobs.ts'
import { upsertSetting } from '../../settings/settings.queries.ts'

// Sign-up is off on a new site (issue 10, item 6): these tests sign visitors up, so the file's database allows it.
before(async () => upsertSetting((await sharedTestDatabase()).database.db, 'signup_enabled', true))

/** Runs the app's real `mail.send` handler (src/jobs.ts) on the newest mail job to `to`; without SMTP_URL it keeps the message. */
async function sendNewestMailTo(testApp: TestApp, to: string) {
  const { db } = testApp.deps
  const { rows } = await sql<{ id: number; payload: unknown }>`
    select id, payload from jobs where name = ${MAIL_SEND_JOB} and payload->>'to' = ${to} order by id desc limit 1`.execute(db)
  const job = rows[0]
  assert.ok(job, `a mail to ${to} was queued`)
  const send = jobHandlers(testApp.deps)[MAIL_SEND_JOB]
  assert.ok(send)
  await send(job.payload, { id: job.id, attempt: 1, maxAttempts: 1, log: testApp.app.log, signal: new AbortController().signal })
  const outbox = await sql<{ subject: string; text: string; html: string; status: string }>`
    select subject, text, html, status from mail_outbox where job_id = ${job.id}`.execute(db)
  return { payload: job.payload as { template: string }, mail: outbox.rows[0] }
}

describe('the users feature registers the mails it sends', () => {
  test('a password reset mail to a verified address renders through the app’s templates: greeting, escaped name, link', async (t) => {
    const testApp = await buildTestApp(t)
    const user = await createUser(testApp.deps.db, { name: 'Rosa <b>& Co</b>', verified: true })
    const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } })
    assert.equal(response.statusCode, 202)
    const { payload, mail } = await sendNewestMailTo(testApp, user.email)
    assert.equal(payload.template, 'users.password_reset')
    assert.equal(mail?.status, 'kept')
    assert.equal(mail?.subject, 'Reset your password')
    assert.match(
      mail?.text ?? '',
      /^Hello Rosa <b>& Co<\/b>\n\n.*reset the password.*\n\nChoose a new password: http:\/\/[^\s]+\/admin\/password-reset\/confirm\?token=[\w-]{43}\n/s,
    )
    assert.match(mail?.html ?? '', /<h1[^>]*>Hello Rosa &lt;b&gt;&amp; Co&lt;\/b&gt;<\/h1>/)
    assert.match(
      mail?.html ?? '',
      /<a href="http:\/\/[^"]+\/admin\/password-reset\/confirm\?token=[\w-]{43}"[^>]*>Choose a new password<\/a>/,
    )
  })

  test('a sign-up’s verification mail renders through the app’s templates, without the name the visitor typed', async (t) => {
    const testApp = await buildTestApp(t)
    const email = uniqueEmail('mail')
    const signup = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'a fine long passphrase', name: 'Vera' },
    })
    assert.equal(signup.statusCode, 202)
    const { payload, mail } = await sendNewestMailTo(testApp, email)
    assert.equal(payload.template, 'users.verify_email')
    assert.equal(mail?.subject, 'Confirm your email address')
    assert.match(
      mail?.text ?? '',
      /^Hello\n\nPlease confirm.*\n\nConfirm my address: http:\/\/[^\s/]+\/admin\/verify-email\?token=[\w-]{43}\n/s,
    )
    assert.match(mail?.text ?? '', /48 hours/)
  })

  test('a password reset mail to an unverified address greets without the name', async (t) => {
    const testApp = await buildTestApp(t)
    const user = await createUser(testApp.deps.db, { name: 'Call 555 0100 now' })
    await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } })
    const { mail } = await sendNewestMailTo(testApp, user.email)
    assert.match(mail?.text ?? '', /^Hello\n\nSomeone \(we hope you\) asked/)
    assert.ok(!mail?.html.includes('555'))
  })

  test('a sign-up with a known address mails its owner, with nothing the visitor typed', async (t) => {
    const testApp = await buildTestApp(t)
    const owner = await createUser(testApp.deps.db, { verified: true, name: 'Owner' })
    const signup = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: owner.email, password: 'a fine long passphrase', name: 'Call 555 0100 now' },
    })
    assert.equal(signup.statusCode, 202)
    const { payload, mail } = await sendNewestMailTo(testApp, owner.email)
    assert.equal(payload.template, 'users.signup_existing')
    assert.equal(mail?.subject, 'Someone tried to sign up with your address')
    assert.match(mail?.text ?? '', /^Hello\n\nSomeone \(perhaps you\) tried to create an account/)
    assert.ok(!`${mail?.text}${mail?.html}`.includes('555'))
  })
})
