import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { buildFormsApp, contactForm, createFormVia, type FormsTestApp, tokenFor } from '../forms/forms.testing.ts'
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from './webhooks.jobs.ts'
import {
  type AdminHeaders,
  allowPrivate,
  createWebhookVia,
  deliveriesOf,
  startReceiver,
  startWorker,
  verifySignature,
  waitForAttempts,
} from './webhooks.testing.ts'

/**
 * An app on a database of its own (its worker runs every queued job), with a
 * test clock at the real time (a job enqueued without a time of its own is due
 * at the database's now()) and a signed-in admin.
 */
async function buildWebhooksApp(t: Parameters<typeof buildFormsApp>[0]): Promise<FormsTestApp & { admin: AdminHeaders }> {
  const testApp = await buildFormsApp(t, { role: 'admin', privateDatabase: true, start: new Date() })
  return { ...testApp, admin: testApp.editor }
}

const values = { name: 'Rosa', email: 'rosa@example.com', topic: 'Sales', message: 'Hello there, a question.', consent: true }

async function submitForm(testApp: FormsTestApp, slug: string) {
  const response = await testApp.app.inject({
    method: 'POST',
    url: `/api/v1/forms/${slug}/submissions`,
    remoteAddress: '192.0.2.7',
    payload: { ...values, _token: await tokenFor(testApp, slug) },
  })
  assert.equal(response.statusCode, 201, response.body)
  // The receipt carries no id (the visitor needs none): the newest submission of the form.
  const row = await sql<{ id: number }>`select s.id::int as id from form_submissions s join forms f on f.id = s.form_id
      where f.slug = ${slug} order by s.id desc limit 1`.execute(testApp.database.db)
  return row.rows[0] as { id: number }
}

describe('deliveries', () => {
  test('form.submitted reaches a receiver with a signature it verifies with the secret; the delivery and its attempt are in the API', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    await allowPrivate(testApp, testApp.admin, true)
    const hook = await createWebhookVia(testApp, testApp.admin, { url: receiver.url(), events: ['form.submitted'] })
    const form = await createFormVia(testApp, contactForm())
    const submission = await submitForm(testApp, form.slug)
    startWorker(t, testApp)
    await waitFor('the delivery', () => receiver.received.length >= 1)

    const [request] = receiver.received
    assert.ok(request)
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.headers['user-agent'], 'Plinth-Webhooks')
    assert.equal(request.headers['plinth-event'], 'form.submitted')
    const body = verifySignature(request, hook.secret, testApp.clock().getTime())
    assert.equal(body.type, 'form.submitted')
    assert.match(body.id, /^[0-9a-f-]{36}$/)
    assert.deepEqual(body.data.form, { id: form.id, slug: form.slug, name: 'Contact us' })
    const sent = body.data.submission as { id: number; data: Record<string, unknown> }
    assert.equal(sent.id, submission.id)
    assert.equal(sent.data.email, 'rosa@example.com')
    // A wrong secret does not verify.
    assert.throws(() => verifySignature(request, 'whsec_not-the-secret', testApp.clock().getTime()))

    const [delivery] = await waitFor('the delivery recorded', async () => {
      const rows = await deliveriesOf(testApp, hook.id)
      return rows[0]?.status === 'succeeded' ? rows : undefined
    })
    assert.ok(delivery)
    assert.equal(String(request.headers['plinth-delivery']), String(delivery.id))
    const detail = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}`,
      headers: testApp.admin,
    })
    assert.equal(detail.statusCode, 200, detail.body)
    const json = detail.json()
    assert.equal(json.status, 'succeeded')
    assert.equal(json.attempts, 1)
    assert.equal(json.next_attempt_at, null)
    assert.deepEqual(json.payload, JSON.parse(request.body))
    assert.equal(json.attempt_log.length, 1)
    assert.equal(json.attempt_log[0].outcome, 'succeeded')
    assert.equal(json.attempt_log[0].status_code, 200)
    assert.equal(json.attempt_log[0].response_excerpt, 'ok')
    assert.ok(json.attempt_log[0].duration_ms >= 0)
    const list = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/${hook.id}/deliveries?status=succeeded`,
      headers: testApp.admin,
    })
    assert.deepEqual(
      list.json().data.map((item: { id: number }) => item.id),
      [delivery.id],
    )
    assert.deepEqual(list.json().data[0].last_attempt, {
      outcome: 'succeeded',
      status_code: 200,
      duration_ms: json.attempt_log[0].duration_ms,
      error: null,
      response_excerpt: 'ok',
    })
    const none = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/${hook.id}/deliveries?status=failed`,
      headers: testApp.admin,
    })
    assert.deepEqual(none.json().data, [])
    // Another webhook's delivery is not found under this one.
    const other = await createWebhookVia(testApp, testApp.admin, { url: receiver.url(), events: ['post.updated'] })
    const cross = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/${other.id}/deliveries/${delivery.id}`,
      headers: testApp.admin,
    })
    assert.equal(cross.statusCode, 404)
    // The list shows each subscription's newest delivery (the admin's list), none yet for the new one.
    const hooks = await testApp.app.inject({ method: 'GET', url: '/api/v1/webhooks?limit=100', headers: testApp.admin })
    assert.equal(hooks.statusCode, 200, hooks.body)
    const byId = new Map((hooks.json().data as { id: number; last_delivery: unknown }[]).map((item) => [item.id, item.last_delivery]))
    assert.deepEqual(byId.get(hook.id), { status: 'succeeded', event_type: 'form.submitted', created_at: json.created_at })
    assert.equal(byId.get(other.id), null)
  })

  test('post.published, post.updated and post.unpublished reach a subscriber, signed; a draft’s save and a spam submission send nothing', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    await allowPrivate(testApp, testApp.admin, true)
    const hook = await createWebhookVia(testApp, testApp.admin, {
      url: receiver.url(),
      events: ['post.published', 'post.updated', 'post.unpublished', 'form.submitted'],
    })
    const editor = await createUser(testApp.database.db, { role: 'editor' })
    const session = await logIn(testApp.app, editor.email)
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf }
    const post = await createPost(testApp.database.db, editor)
    const draftSave = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/posts/${post.id}`,
      headers,
      payload: { title: 'Draft title' },
    })
    assert.equal(draftSave.statusCode, 200, draftSave.body)
    const publish = await testApp.app.inject({ method: 'POST', url: `/api/v1/posts/${post.id}/publish`, headers })
    assert.equal(publish.statusCode, 200, publish.body)
    const save = await testApp.app.inject({ method: 'PATCH', url: `/api/v1/posts/${post.id}`, headers, payload: { title: 'Public title' } })
    assert.equal(save.statusCode, 200, save.body)
    const unpublish = await testApp.app.inject({ method: 'POST', url: `/api/v1/posts/${post.id}/unpublish`, headers })
    assert.equal(unpublish.statusCode, 200, unpublish.body)
    // Spam (the honeypot filled in) is stored but sends no form.submitted.
    const form = await createFormVia(testApp, contactForm())
    const spam = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/forms/${form.slug}/submissions`,
      remoteAddress: '192.0.2.8',
      payload: { ...values, website_url: 'x', _token: await tokenFor(testApp, form.slug) },
    })
    assert.equal(spam.statusCode, 201, spam.body)

    // Content writes take the database's time for their events (the content service has no clock): let the app's clock pass it.
    testApp.clock.advance(60_000)
    startWorker(t, testApp)
    await waitFor('three deliveries', () => receiver.received.length >= 3)
    const events = receiver.received.map((request) => verifySignature(request, hook.secret, testApp.clock().getTime()))
    assert.deepEqual(events.map((event) => event.type).sort(), ['post.published', 'post.unpublished', 'post.updated'])
    const published = events.find((event) => event.type === 'post.published')
    assert.equal(published?.data.id, post.id)
    assert.equal(published?.data.type, 'post')
    assert.equal(published?.data.status, 'published')
    assert.equal(events.find((event) => event.type === 'post.updated')?.data.title, 'Public title')
    assert.deepEqual(
      (await deliveriesOf(testApp, hook.id)).map((row) => row.event_type).sort(),
      ['post.published', 'post.unpublished', 'post.updated'],
      'no delivery for the draft or the spam',
    )
  })

  test('product.created, product.updated and product.deleted reach a subscriber; a stock change sends nothing', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    await allowPrivate(testApp, testApp.admin, true)
    const hook = await createWebhookVia(testApp, testApp.admin, {
      url: receiver.url(),
      events: ['product.created', 'product.updated', 'product.deleted'],
    })
    const headers = testApp.admin
    const created = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers,
      payload: { sku: 'HOOK-1', name: 'Hook mug', price_minor: 1250, stock: 5, status: 'active' },
    })
    assert.equal(created.statusCode, 201, created.body)
    const id = created.json().id as number
    const patched = await testApp.app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers, payload: { price_minor: 1500 } })
    assert.equal(patched.statusCode, 200, patched.body)
    const stock = await testApp.app.inject({ method: 'POST', url: `/api/v1/products/${id}/stock`, headers, payload: { delta: -1 } })
    assert.equal(stock.statusCode, 200, stock.body)
    const deleted = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/products/${id}`, headers })
    assert.equal(deleted.statusCode, 204, deleted.body)
    testApp.clock.advance(60_000)
    startWorker(t, testApp)
    await waitFor('three deliveries', () => receiver.received.length >= 3)
    const events = receiver.received.map((request) => verifySignature(request, hook.secret, testApp.clock().getTime()))
    const byType = Object.fromEntries(events.map((event) => [event.type, event.data]))
    assert.deepEqual(Object.keys(byType).sort(), ['product.created', 'product.deleted', 'product.updated'])
    assert.equal(byType['product.created']?.sku, 'HOOK-1')
    assert.equal(byType['product.created']?.stock, 5)
    assert.equal(byType['product.updated']?.price_minor, 1500)
    assert.deepEqual(byType['product.deleted'], { id })
    assert.equal((await deliveriesOf(testApp, hook.id)).length, 3, 'none for the stock change')
  })

  test('a 500 is retried on the schedule (1 min, then 5 min), each attempt recorded, until the receiver answers 2xx', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    await allowPrivate(testApp, testApp.admin, true)
    receiver.answer((res) => {
      res.statusCode = 500
      res.end(`down for maintenance ${'x'.repeat(3000)}`)
    })
    const hook = await createWebhookVia(testApp, testApp.admin, { url: receiver.url(), events: ['form.submitted'] })
    const form = await createFormVia(testApp, contactForm())
    await submitForm(testApp, form.slug)
    startWorker(t, testApp)
    await waitForAttempts(testApp, hook.id, 1)
    // Not due before its time: nothing more happens until the clock reaches it.
    testApp.clock.advance(RETRY_DELAYS_MS[0] - 1000)
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(receiver.received.length, 1)
    testApp.clock.advance(1000)
    await waitForAttempts(testApp, hook.id, 2)
    receiver.answer((res) => res.end('fine now'))
    testApp.clock.advance(RETRY_DELAYS_MS[1])
    const [done] = await waitFor('the delivery to succeed', async () => {
      const rows = await deliveriesOf(testApp, hook.id)
      return rows[0]?.status === 'succeeded' ? rows : undefined
    })
    assert.equal(done?.attempts, 3)
    assert.equal(receiver.received.length, 3)
    const detail = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/${hook.id}/deliveries/${done?.id}`,
      headers: testApp.admin,
    })
    const log = detail.json().attempt_log as { outcome: string; status_code: number; response_excerpt: string; error: string }[]
    assert.deepEqual(
      log.map((attempt) => [attempt.outcome, attempt.status_code]),
      [
        ['http_error', 500],
        ['http_error', 500],
        ['succeeded', 200],
      ],
    )
    assert.equal(log[0]?.response_excerpt.length, 1024, 'the excerpt is bounded')
    assert.match(log[0]?.response_excerpt ?? '', /^down for maintenance x+$/)
    assert.match(log[0]?.error ?? '', /500/)
    // Every attempt carried the same event, signed anew (each at its own time, hence the tolerance).
    const ids = new Set(receiver.received.map((request) => verifySignature(request, hook.secret, testApp.clock().getTime(), 3600).id))
    assert.equal(ids.size, 1)
  })

  test('a receiver that does not answer in time is a timeout, retried; after the last attempt the delivery is failed; redeliver sends it again', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    await allowPrivate(testApp, testApp.admin, true)
    receiver.answer(() => {}) // never answers
    const hook = await createWebhookVia(testApp, testApp.admin, { url: receiver.url(), events: ['form.submitted'] })
    const form = await createFormVia(testApp, contactForm())
    await submitForm(testApp, form.slug)
    startWorker(t, testApp, { timeoutMs: 200 })
    await waitForAttempts(testApp, hook.id, 1)
    receiver.answer((res) => {
      res.statusCode = 503
      res.end()
    })
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      testApp.clock.advance(RETRY_DELAYS_MS[attempt - 1] as number)
      await waitForAttempts(testApp, hook.id, attempt + 1)
    }
    const [failed] = await deliveriesOf(testApp, hook.id)
    assert.equal(failed?.status, 'failed')
    assert.equal(failed?.attempts, MAX_ATTEMPTS)
    const detail = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/${hook.id}/deliveries/${failed?.id}`,
      headers: testApp.admin,
    })
    const log = detail.json().attempt_log as { outcome: string; error: string | null }[]
    assert.equal(log.length, MAX_ATTEMPTS)
    assert.equal(log[0]?.outcome, 'timeout')
    assert.match(log[0]?.error ?? '', /200 ms/)
    assert.deepEqual(new Set(log.slice(1).map((attempt) => attempt.outcome)), new Set(['http_error']))
    assert.equal(detail.json().next_attempt_at, null)
    // No more attempts however long we wait.
    testApp.clock.advance(7 * 24 * 60 * 60 * 1000)
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal((await deliveriesOf(testApp, hook.id))[0]?.attempts, MAX_ATTEMPTS)

    receiver.answer((res) => res.end('ok'))
    // Nine days later the first session has expired: sign in again.
    const admin = await createUser(testApp.database.db, { role: 'admin' })
    const session = await logIn(testApp.app, admin.email)
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf }
    const redeliver = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/${hook.id}/deliveries/${failed?.id}/redeliver`,
      headers,
    })
    assert.equal(redeliver.statusCode, 202, redeliver.body)
    assert.equal(redeliver.json().redelivery_of, failed?.id)
    const [, again] = await waitFor('the redelivery to succeed', async () => {
      const rows = await deliveriesOf(testApp, hook.id)
      return rows[1]?.status === 'succeeded' ? rows : undefined
    })
    assert.equal(again?.attempts, 1)
    const last = receiver.received.at(-1)
    assert.ok(last)
    const first = receiver.received[0]
    assert.ok(first)
    assert.equal(verifySignature(last, hook.secret, testApp.clock().getTime()).id, JSON.parse(first.body).id, 'the same event')
    assert.equal(String(last.headers['plinth-delivery']), String(again?.id), 'a new delivery id')
    const unknown = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/${hook.id}/deliveries/${(again?.id ?? 0) + 1000}/redeliver`,
      headers,
    })
    assert.equal(unknown.statusCode, 404)
  })

  test('SSRF: a receiver on loopback, named `localhost`, is refused when connecting without the setting (nothing reaches it), and reached with it', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    // A name passes when saved; the address it resolves to is checked when connecting.
    const hook = await createWebhookVia(testApp, testApp.admin, { url: receiver.url('localhost'), events: ['form.submitted'] })
    const ping = await testApp.app.inject({ method: 'POST', url: `/api/v1/webhooks/${hook.id}/ping`, headers: testApp.admin })
    assert.equal(ping.statusCode, 202, ping.body)
    startWorker(t, testApp)
    await waitForAttempts(testApp, hook.id, 1)
    const detail = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/${hook.id}/deliveries/${ping.json().id}`,
      headers: testApp.admin,
    })
    const [attempt] = detail.json().attempt_log as { outcome: string; error: string; status_code: number | null }[]
    assert.equal(attempt?.outcome, 'refused')
    assert.match(attempt?.error ?? '', /localhost resolves to/)
    assert.equal(attempt?.status_code, null)
    assert.equal(detail.json().status, 'pending', 'retried later, like any failure')
    assert.equal(receiver.received.length, 0, 'no request reached the receiver')

    await allowPrivate(testApp, testApp.admin, true)
    testApp.clock.advance(RETRY_DELAYS_MS[0])
    await waitFor('the retry to reach the receiver', () => receiver.received.length >= 1)
    const body = verifySignature(receiver.received[0] as NonNullable<(typeof receiver.received)[0]>, hook.secret, testApp.clock().getTime())
    assert.equal(body.type, 'webhook.ping')
    assert.deepEqual(body.data, { webhook_id: hook.id })
  })

  test('no delivery is lost when the app stops right after its 201: the delivery and its job were committed with the submission', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    await allowPrivate(testApp, testApp.admin, true)
    const hook = await createWebhookVia(testApp, testApp.admin, { url: receiver.url(), events: ['form.submitted'] })
    const form = await createFormVia(testApp, contactForm())
    const submission = await submitForm(testApp, form.slug)
    // The app stops at once: no worker ran, and the app takes no more requests.
    await testApp.app.close()
    const queued = await sql<{
      status: string
    }>`select j.status from jobs j join webhook_deliveries d on d.id = (j.payload ->> 'delivery_id')::bigint
        where d.subscription_id = ${hook.id} and j.name = 'webhooks.deliver'`.execute(testApp.database.db)
    assert.deepEqual(
      queued.rows.map((row) => row.status),
      ['queued'],
    )
    // The next start's worker (the same handlers, on the same database) sends it.
    startWorker(t, testApp)
    await waitFor('the delivery after the restart', () => receiver.received.length >= 1)
    const body = verifySignature(receiver.received[0] as NonNullable<(typeof receiver.received)[0]>, hook.secret, testApp.clock().getTime())
    assert.equal((body.data.submission as { id: number }).id, submission.id)
  })

  test('a paused webhook gets no new deliveries; a deleted one stops its queued attempts', async (t) => {
    const testApp = await buildWebhooksApp(t)
    const receiver = await startReceiver(t)
    await allowPrivate(testApp, testApp.admin, true)
    const paused = await createWebhookVia(testApp, testApp.admin, { url: receiver.url(), events: ['form.submitted'], status: 'paused' })
    const doomed = await createWebhookVia(testApp, testApp.admin, { url: receiver.url(), events: ['form.submitted'] })
    const form = await createFormVia(testApp, contactForm())
    await submitForm(testApp, form.slug)
    assert.deepEqual(await deliveriesOf(testApp, paused.id), [])
    assert.equal((await deliveriesOf(testApp, doomed.id)).length, 1)
    const deleted = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${doomed.id}`, headers: testApp.admin })
    assert.equal(deleted.statusCode, 204)
    startWorker(t, testApp)
    await waitFor('the queued attempt to run and find nothing', async () => {
      const rows = await sql<{ status: string }>`select status from jobs where name = 'webhooks.deliver'`.execute(testApp.database.db)
      return rows.rows.length > 0 && rows.rows.every((row) => row.status === 'done')
    })
    assert.equal(receiver.received.length, 0)
  })
})
