import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { latestChangeId, readChangesAfter } from '#core/changes/changes.ts'
import { type Db, sql } from '#core/db/database.ts'
import { insertSubscription } from '../webhooks/webhooks.queries.ts'
import { proofOfWork } from './forms.pow.ts'
import { deleteForm, getFormBySlug, type SubmitDeps, submitForm } from './forms.service.ts'
import { MIN_FILL_MS, nonceOf, renderTokens } from './forms.spam.ts'
import { buildFormsApp, contactForm, createFormVia, type FormsTestApp, goodValues, tokenFor } from './forms.testing.ts'

// A submission is stored with all it sets off in one statement (forms.queries.ts, storeSubmission): these
// tests look at everything that statement writes, for an accepted submission, a replay and a failure.

/** A form.submitted subscription: every accepted submission of this file's database gets a delivery. */
async function subscribe(testApp: FormsTestApp) {
  const { db } = testApp.database
  await insertSubscription(db, {
    url: 'https://hooks.example.com/forms',
    events: ['form.submitted'],
    status: 'active',
    secret_sealed: testApp.deps.secrets.seal('whsec_forms-store-test'),
    description: 'forms.store.test',
    now: testApp.clock(),
  })
}

/** What a form's submissions set off: mail jobs (by url), webhook deliveries with their jobs, used tokens. */
async function effectsOf(db: Db, formId: number) {
  const mails = await sql<{ to: string; url: string }>`select payload->>'to' as to, payload #>> '{data,url}' as url from jobs
    where name = 'mail.send' and payload #>> '{data,url}' like ${`%/api/v1/forms/${formId}/submissions/%`} order by id`.execute(db)
  const deliveries = await sql<{ submission_id: number; jobs: number }>`select (d.data #>> '{submission,id}')::int as submission_id,
      (select count(*)::int from jobs j where j.name = 'webhooks.deliver' and (j.payload->>'delivery_id')::bigint = d.id) as jobs
    from webhook_deliveries d where d.event_type = 'form.submitted' and (d.data #>> '{form,id}')::bigint = ${formId} order by d.id`.execute(
    db,
  )
  return { mails: mails.rows, deliveries: deliveries.rows }
}

describe('storing a submission', () => {
  test('an accepted one: its row, a mail per address linking to it, the webhook delivery with its job, the token used, the change', async (t) => {
    const testApp = await buildFormsApp(t)
    const { db } = testApp.database
    await subscribe(testApp)
    const form = await createFormVia(testApp, contactForm({ notify_emails: ['owner@example.com', 'helper@example.com'] }))
    const before = await latestChangeId(db)
    const token = await tokenFor(testApp, form.slug)
    const post = () =>
      testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        payload: { ...goodValues, consent: true, _token: token },
      })
    assert.equal((await post()).statusCode, 201)
    const [row] = (
      await sql<{ id: number; status: string }>`select id::int as id, status from form_submissions where form_id = ${form.id}`.execute(db)
    ).rows
    assert.equal(row?.status, 'new')
    const url = `${testApp.deps.config.publicUrl}/api/v1/forms/${form.id}/submissions/${row?.id}`
    assert.deepEqual(await effectsOf(db, form.id), {
      mails: [
        { to: 'owner@example.com', url },
        { to: 'helper@example.com', url },
      ],
      deliveries: [{ submission_id: row?.id, jobs: 1 }],
    })
    const used = await sql`select 1 from form_token_uses where nonce = ${nonceOf(token)}`.execute(db)
    assert.equal(used.rows.length, 1)
    assert.deepEqual(
      (await readChangesAfter(db, before)).map((change) => change.tags),
      [[`form:${form.id}`]],
    )

    // The same token again: answered alike, stored as spam (replayed), and nothing more is mailed or sent.
    assert.equal((await post()).statusCode, 201)
    const replay = await sql<{ status: string; spam_reason: string }>`select status, spam_reason from form_submissions
      where form_id = ${form.id} order by id desc limit 1`.execute(db)
    assert.deepEqual(replay.rows[0], { status: 'spam', spam_reason: 'replayed' })
    const after = await effectsOf(db, form.id)
    assert.equal(after.mails.length, 2)
    assert.equal(after.deliveries.length, 1)
    assert.equal((await readChangesAfter(db, before)).length, 2, 'the spam is recorded as a change of the form too')
  })

  test('a form deleted meanwhile: the submission fails and nothing of it is written (no token use, mail, delivery or change)', async (t) => {
    const testApp = await buildFormsApp(t)
    const { db } = testApp.database
    await subscribe(testApp)
    const created = await createFormVia(testApp, contactForm({ notify_emails: ['owner@example.com'] }))
    const form = await getFormBySlug(db, created.slug)
    assert.ok(form)
    const deps: SubmitDeps = {
      db,
      clock: testApp.clock,
      privateStore: testApp.deps.privateStore,
      tokens: renderTokens(testApp.deps.secrets),
      pow: proofOfWork(testApp.deps.secrets),
      publicUrl: testApp.deps.config.publicUrl,
    }
    const token = deps.tokens.issue(form.id, new Date(testApp.clock().getTime() - MIN_FILL_MS - 1000))
    await deleteForm(db, testApp.deps.privateStore, form.id)
    const before = await latestChangeId(db)
    const input = { values: { ...goodValues }, files: [], token, honeypot: '', altcha: undefined, ip: '192.0.2.5', userAgent: 'test' }
    await assert.rejects(submitForm(deps, form, input), (error: { code?: string }) => error.code === '23503')
    assert.deepEqual(await effectsOf(db, form.id), { mails: [], deliveries: [] })
    assert.equal((await sql`select 1 from form_token_uses where nonce = ${nonceOf(token)}`.execute(db)).rows.length, 0)
    assert.equal((await sql`select 1 from form_submissions where form_id = ${form.id}`.execute(db)).rows.length, 0)
    assert.deepEqual(await readChangesAfter(db, before), [])
  })
})

/** The active form.submitted subscriptions (this file's tests each add one): each accepted submission gets one delivery per. */
const subscribers = async (db: Db) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from webhook_subscriptions
      where status = 'active' and 'form.submitted' = any(events)`.execute(db)
  ).rows[0]?.n ?? 0

describe('submissions at the same time', () => {
  test('one token posted four times at once: exactly one is new (mailed, sent), the others are stored as replayed spam', async (t) => {
    const testApp = await buildFormsApp(t)
    const { db } = testApp.database
    await subscribe(testApp)
    const form = await createFormVia(testApp, contactForm({ notify_emails: ['owner@example.com'] }))
    const token = await tokenFor(testApp, form.slug)
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() =>
        testApp.app.inject({
          method: 'POST',
          url: `/api/v1/forms/${form.slug}/submissions`,
          payload: { ...goodValues, consent: true, _token: token },
        }),
      ),
    )
    assert.deepEqual(
      answers.map((answer) => answer.statusCode),
      [201, 201, 201, 201],
      'a replay is answered as an accepted post',
    )
    const rows = await sql<{ id: number; status: string; spam_reason: string | null }>`select id::int as id, status, spam_reason
      from form_submissions where form_id = ${form.id} order by status, id`.execute(db)
    assert.deepEqual(
      rows.rows.map((row) => [row.status, row.spam_reason]),
      [
        ['new', null],
        ['spam', 'replayed'],
        ['spam', 'replayed'],
        ['spam', 'replayed'],
      ],
    )
    const accepted = rows.rows[0]?.id
    assert.deepEqual(await effectsOf(db, form.id), {
      mails: [{ to: 'owner@example.com', url: `${testApp.deps.config.publicUrl}/api/v1/forms/${form.id}/submissions/${accepted}` }],
      deliveries: Array.from({ length: await subscribers(db) }, () => ({ submission_id: accepted, jobs: 1 })),
    })
  })

  test('six tokens posted at once: each mail and each webhook delivery names its own submission', async (t) => {
    const testApp = await buildFormsApp(t)
    const { db } = testApp.database
    await subscribe(testApp)
    const form = await createFormVia(testApp, contactForm({ notify_emails: ['owner@example.com'] }))
    const tokens = await Promise.all([1, 2, 3, 4, 5, 6].map(() => tokenFor(testApp, form.slug)))
    const answers = await Promise.all(
      tokens.map((token, i) =>
        testApp.app.inject({
          method: 'POST',
          url: `/api/v1/forms/${form.slug}/submissions`,
          payload: { ...goodValues, name: `Visitor ${i}`, consent: true, _token: token },
        }),
      ),
    )
    assert.deepEqual(new Set(answers.map((answer) => answer.statusCode)), new Set([201]))
    const rows = await sql<{ id: number; name: string }>`select id::int as id, data->>'name' as name from form_submissions
      where form_id = ${form.id} and status = 'new' order by id`.execute(db)
    assert.equal(rows.rows.length, 6)
    const ids = rows.rows.map((row) => row.id)
    const urlPrefix = `${testApp.deps.config.publicUrl}/api/v1/forms/${form.id}/submissions/`
    const effects = await effectsOf(db, form.id)
    assert.deepEqual(
      effects.mails.map((mail) => Number(mail.url.slice(urlPrefix.length))).sort((a, b) => a - b),
      ids,
    )
    // Each delivery carries its own submission's id and values, not another's; one per subscription, each with its job.
    const each = await subscribers(db)
    assert.equal(effects.deliveries.length, ids.length * each)
    assert.ok(effects.deliveries.every((delivery) => delivery.jobs === 1))
    const sent = await sql<{ id: number; name: string; deliveries: number }>`select (data #>> '{submission,id}')::int as id,
        data #>> '{submission,data,name}' as name, count(*)::int as deliveries
      from webhook_deliveries where event_type = 'form.submitted' and (data #>> '{form,id}')::bigint = ${form.id}
      group by 1, 2 order by 1`.execute(db)
    assert.deepEqual(
      sent.rows,
      rows.rows.map((row) => ({ ...row, deliveries: each })),
    )
  })
})
