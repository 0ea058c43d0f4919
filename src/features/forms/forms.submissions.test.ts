import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { sql } from '#core/db/database.ts'
import { startJobWorker } from '#core/jobs/queue.ts'
import { startSmtpServer } from '../../../test/smtp.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { jobHandlers } from '../../jobs.ts'
import { makeImage, multipart } from '../media/media.testing.ts'
import { deleteExpired } from './forms.jobs.ts'
import { buildFormsApp, contactForm, createFormVia, type FormsTestApp, goodValues, tokenFor } from './forms.testing.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** Submits `values` as JSON with a fresh token from its own address; returns the stored submission's id. */
async function submit(testApp: FormsTestApp, slug: string, values: Record<string, unknown>, remoteAddress = '192.0.2.1') {
  const response = await testApp.app.inject({
    method: 'POST',
    url: `/api/v1/forms/${slug}/submissions`,
    remoteAddress,
    payload: { ...values, _token: await tokenFor(testApp, slug) },
  })
  assert.equal(response.statusCode, 201, response.body)
  const row = await sql<{ id: number }>`select s.id from form_submissions s join forms f on f.id = s.form_id
    where f.slug = ${slug} order by s.id desc limit 1`.execute(testApp.database.db)
  return Number(row.rows[0]?.id)
}

const jsonValues = { ...goodValues, consent: true }

describe('submissions for editors', () => {
  test('list (newest first, cursor pages), full-text search, status filter, one, status of one and of many, delete', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    const ids: number[] = []
    for (const [i, message] of ['Bread order for Monday', 'Question about croissants', 'Bread again please'].entries()) {
      ids.push(await submit(testApp, form.slug, { ...jsonValues, message }, `192.0.2.${i + 1}`))
      testApp.clock.advance(1000)
    }
    const base = `/api/v1/forms/${form.id}/submissions`
    const get = (url: string) => testApp.app.inject({ method: 'GET', url, headers: testApp.editor })
    const first = await get(`${base}?limit=2`)
    assert.equal(first.statusCode, 200, first.body)
    assert.deepEqual(
      first.json().data.map((s: { id: number }) => s.id),
      [ids[2], ids[1]],
    )
    const second = await get(`${base}?limit=2&cursor=${first.json().next_cursor}`)
    assert.deepEqual(
      second.json().data.map((s: { id: number }) => s.id),
      [ids[0]],
    )
    assert.equal(second.json().next_cursor, null)
    const bread = await get(`${base}?q=bread`)
    assert.deepEqual(
      bread.json().data.map((s: { id: number }) => s.id),
      [ids[2], ids[0]],
    )
    const one = await get(`${base}/${ids[1]}`)
    assert.equal(one.json().data.message, 'Question about croissants')
    assert.equal(one.json().status, 'new')

    const read = await testApp.app.inject({
      method: 'PATCH',
      url: `${base}/${ids[1]}`,
      headers: testApp.editor,
      payload: { status: 'read' },
    })
    assert.equal(read.json().status, 'read')
    const many = await testApp.app.inject({
      method: 'PATCH',
      url: base,
      headers: testApp.editor,
      payload: { ids: [ids[0], ids[2]], status: 'archived' },
    })
    assert.equal(many.statusCode, 204)
    assert.deepEqual(
      (await get(`${base}?status=archived`)).json().data.map((s: { id: number }) => s.id),
      [ids[2], ids[0]],
    )
    // All or none: one id of another form leaves every status as it was.
    const other = await createFormVia(testApp, contactForm())
    const foreign = await submit(testApp, other.slug, jsonValues, '192.0.2.50')
    const mixed = await testApp.app.inject({
      method: 'PATCH',
      url: base,
      headers: testApp.editor,
      payload: { ids: [ids[1], foreign], status: 'spam' },
    })
    assert.equal(mixed.statusCode, 404)
    assert.equal((await get(`${base}/${ids[1]}`)).json().status, 'read')

    const deleted = await testApp.app.inject({ method: 'DELETE', url: `${base}/${ids[1]}`, headers: testApp.editor })
    assert.equal(deleted.statusCode, 204)
    assert.equal((await get(`${base}/${ids[1]}`)).statusCode, 404)
    assert.equal(
      (await get(`/api/v1/forms/${other.id}/submissions/${ids[0]}`)).statusCode,
      404,
      'a submission is read through its own form only',
    )
    const anonymous = await testApp.app.inject({ method: 'GET', url: base })
    assert.equal(anonymous.statusCode, 401)
  })
})

describe('CSV export', () => {
  test('RFC 4180 with quotes, line breaks, commas and Unicode read back exactly; formula cells neutralised; optional BOM', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    const tricky = [
      'He said "hi", then left',
      'line one\r\nline two',
      '=HYPERLINK("http://evil.example","click")',
      '+1 more',
      '-2 less',
      '@SUM(A1)',
      '\tTabbed',
      'Ünïcödé ✓ 東京',
    ]
    const ids: number[] = []
    for (const [i, message] of tricky.entries()) ids.push(await submit(testApp, form.slug, { ...jsonValues, message }, `192.0.2.${i + 1}`))
    const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions.csv`, headers: testApp.editor })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8')
    assert.ok(!response.body.startsWith('\ufeff'))
    const rows = parse(response.body, { relax_column_count: false }) as string[][]
    assert.deepEqual(rows[0], ['id', 'submitted_at', 'status', 'form_version', 'ip', 'name', 'email', 'topic', 'message', 'consent'])
    const expected = tricky.map((message) => (/^[=+\-@\t\r]/.test(message) ? `'${message}` : message))
    assert.deepEqual(
      rows.slice(1).map((row) => row[8]),
      expected,
    )
    assert.deepEqual(
      rows.slice(1).map((row) => Number(row[0])),
      ids,
    )
    assert.equal(rows[1]?.[9], 'yes')
    assert.match(response.body, /\r\n/)
    const bom = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/forms/${form.id}/submissions.csv?bom=true`,
      headers: testApp.editor,
    })
    assert.ok(bom.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])))
    assert.equal((await testApp.app.inject({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions.csv` })).statusCode, 401)
  })
})

describe('notification mail', () => {
  test('an accepted submission mails each notify address through real SMTP, replying to the visitor; spam mails no one', async (t) => {
    const smtp = await startSmtpServer(t)
    const testApp = await buildFormsApp(t, { env: { SMTP_URL: smtp.url }, start: new Date() })
    const form = await createFormVia(
      testApp,
      contactForm({ name: 'Contact\r\nBcc: victim@example.com', notify_emails: ['owner@example.com', 'second@example.com'] }),
    )
    await submit(testApp, form.slug, {
      ...jsonValues,
      name: 'Rosa\r\nBcc: injected@example.com'.replace(/\r\n/, ' '),
      message: 'Hi!\r\nBcc: injected@example.com',
    })
    // Spam: the honeypot filled in.
    await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/forms/${form.slug}/submissions`,
      remoteAddress: '192.0.2.99',
      payload: { ...jsonValues, website_url: 'x', _token: await tokenFor(testApp, form.slug) },
    })
    const worker = startJobWorker({
      db: testApp.database.db,
      clock: testApp.clock,
      log: testApp.app.log,
      pollMs: 10,
      handlers: jobHandlers(testApp.deps),
    })
    try {
      await waitFor('two mails', () => smtp.received.length >= 2, { timeoutMs: 30_000 })
    } finally {
      await worker.stop(10_000)
    }
    assert.equal(smtp.received.length, 2)
    const queued =
      await sql`select 1 from jobs where name = 'mail.send' and payload->'data'->>'url' like ${`%/api/v1/forms/${form.id}/%`}`.execute(
        testApp.database.db,
      )
    assert.equal(queued.rows.length, 2, 'two mails for the accepted submission, none for the spam')
    const to = smtp.received.map((mail) => (Array.isArray(mail.to) ? '' : mail.to?.text)).sort()
    assert.deepEqual(to, ['owner@example.com', 'second@example.com'])
    for (const mail of smtp.received) {
      assert.equal(mail.replyTo?.text, 'rosa@example.com')
      assert.equal(mail.subject, 'New submission: Contact Bcc: victim@example.com')
      assert.equal(mail.bcc, undefined, 'no header was injected')
      assert.match(String(mail.text), /Message: Hi!\r?\nBcc: injected@example.com/, 'the value is in the body, as text')
      assert.equal(mail.headers.get('bcc'), undefined)
    }
  })
})

describe('retention', () => {
  test('the job deletes submissions older than the form’s retention_days with their files, and keeps the rest', async (t) => {
    const testApp = await buildFormsApp(t)
    const kept = await createFormVia(testApp, contactForm())
    const form = await createFormVia(
      testApp,
      contactForm({ retention_days: 30, fields: [{ name: 'photo', label: 'Photo', type: 'file', accept: ['image/png'] }] }),
    )
    const png = await makeImage('png', { width: 12, height: 12 })
    const upload = async (remoteAddress: string) => {
      const body = multipart([
        { name: '_token', value: await tokenFor(testApp, form.slug) },
        { name: 'photo', filename: 'a.png', contentType: 'image/png', bytes: png },
      ])
      const post = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        remoteAddress,
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      })
      assert.equal(post.statusCode, 201, post.body)
    }
    await upload('192.0.2.1')
    await submit(testApp, kept.slug, jsonValues)
    testApp.clock.advance(20 * DAY_MS)
    await upload('192.0.2.2')
    testApp.clock.advance(15 * DAY_MS)
    const count = async (formId: number) =>
      Number(
        (await sql<{ n: number }>`select count(*)::int as n from form_submissions where form_id = ${formId}`.execute(testApp.database.db))
          .rows[0]?.n,
      )
    const file = (
      await sql<{
        sha256: string
      }>`select sha256 from form_submission_files f join form_submissions s on s.id = f.submission_id where s.form_id = ${form.id} limit 1`.execute(
        testApp.database.db,
      )
    ).rows[0] as { sha256: string }
    const key = { sha256: file.sha256, extension: 'png' }
    assert.equal(await deleteExpired(testApp.database.db, testApp.deps.privateStore, testApp.clock()), 1)
    assert.equal(await count(form.id), 1, 'the submission of 15 days ago stays')
    assert.equal(await count(kept.id), 1, 'a form without retention keeps everything')
    assert.ok(await testApp.deps.privateStore.has(key), 'the same bytes are still kept by the younger submission')
    testApp.clock.advance(20 * DAY_MS)
    assert.equal(await deleteExpired(testApp.database.db, testApp.deps.privateStore, testApp.clock()), 1)
    assert.equal(await count(form.id), 0)
    assert.equal(await testApp.deps.privateStore.has(key), false, 'the file went with its last submission')
    assert.equal(await count(kept.id), 1)
    const queued = await sql`select 1 from jobs where name = 'forms.delete_expired_submissions' and status = 'queued'`.execute(
      testApp.database.db,
    )
    assert.ok(queued.rows.length >= 1, 'creating a form queued the retention job')
  })
})
