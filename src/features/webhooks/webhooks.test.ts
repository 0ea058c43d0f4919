import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import { MAX_SUBSCRIPTIONS } from './webhooks.schemas.ts'
import { allowPrivate, createWebhookVia } from './webhooks.testing.ts'

async function signedIn(testApp: TestApp, role: 'admin' | 'editor') {
  const user = await createUser(testApp.database.db, { role })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { cookie, 'x-csrf-token': csrf }
}

const storedSecret = (testApp: TestApp, id: number) =>
  sql<{ secret_sealed: string }>`select secret_sealed from webhook_subscriptions where id = ${id}`
    .execute(testApp.database.db)
    .then((r) => r.rows[0]?.secret_sealed)

const auditOf = (testApp: TestApp, id: number) =>
  sql<{ event: string; details: Record<string, unknown> }>`select event, details from audit_log
      where event like 'webhook%' and (details ->> 'webhook_id')::bigint = ${id} order by id`
    .execute(testApp.database.db)
    .then((r) => r.rows)

const countWebhooks = (testApp: TestApp) =>
  sql<{ n: number }>`select count(*)::int as n from webhook_subscriptions`.execute(testApp.database.db).then((r) => r.rows[0]?.n)

describe('webhook subscriptions', () => {
  test('an admin creates, reads, changes, rotates and deletes a webhook; the secret is shown only on create and rotate; each change is audited', async (t) => {
    const testApp = await buildTestApp(t)
    const admin = await signedIn(testApp, 'admin')
    const created = await createWebhookVia(testApp, admin, {
      url: 'https://hooks.example.com/plinth?x=1',
      events: ['form.submitted', 'post.published'],
      description: 'CRM',
    })
    assert.match(created.secret, /^whsec_[A-Za-z0-9_-]{43}$/)
    assert.equal(created.url, 'https://hooks.example.com/plinth?x=1')
    const sealed = await storedSecret(testApp, created.id)
    assert.ok(sealed?.startsWith('v1:'), 'sealed at rest')
    assert.ok(!sealed?.includes(created.secret))
    assert.equal(testApp.deps.secrets.open(sealed as string), created.secret)

    const read = await testApp.app.inject({ method: 'GET', url: `/api/v1/webhooks/${created.id}`, headers: admin })
    assert.equal(read.statusCode, 200)
    assert.equal(read.json().secret, undefined, 'never shown again')
    assert.deepEqual(read.json().events, ['form.submitted', 'post.published'])
    assert.equal(read.json().status, 'active')

    const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/webhooks?limit=100', headers: admin })
    assert.equal(list.statusCode, 200)
    const listed = (list.json().data as { id: number; secret?: string }[]).find((item) => item.id === created.id)
    assert.ok(listed && listed.secret === undefined)

    const patched = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/webhooks/${created.id}`,
      headers: admin,
      payload: { status: 'paused', events: ['product.updated'] },
    })
    assert.equal(patched.statusCode, 200, patched.body)
    assert.equal(patched.json().status, 'paused')
    assert.deepEqual(patched.json().events, ['product.updated'])
    assert.equal(patched.json().description, 'CRM', 'what was not sent stays')

    const rotated = await testApp.app.inject({ method: 'POST', url: `/api/v1/webhooks/${created.id}/rotate-secret`, headers: admin })
    assert.equal(rotated.statusCode, 200)
    assert.notEqual(rotated.json().secret, created.secret)
    assert.equal(testApp.deps.secrets.open((await storedSecret(testApp, created.id)) as string), rotated.json().secret)

    const deleted = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${created.id}`, headers: admin })
    assert.equal(deleted.statusCode, 204)
    const gone = await testApp.app.inject({ method: 'GET', url: `/api/v1/webhooks/${created.id}`, headers: admin })
    assert.equal(gone.statusCode, 404)

    const audit = await auditOf(testApp, created.id)
    assert.deepEqual(
      audit.map((row) => row.event),
      ['webhook_created', 'webhook_changed', 'webhook_secret_rotated', 'webhook_deleted'],
    )
    assert.deepEqual(audit[1]?.details.fields, ['status', 'events'])
    assert.ok(!JSON.stringify(audit).includes('whsec_'), 'no secret in the audit log')
  })

  test('a secret given on create is kept (and still shown once)', async (t) => {
    const testApp = await buildTestApp(t)
    const admin = await signedIn(testApp, 'admin')
    const secret = 'my-own-secret-0123456789'
    const created = await createWebhookVia(testApp, admin, { url: 'https://hooks.example.com/a', events: ['post.updated'], secret })
    assert.equal(created.secret, secret)
    assert.equal(testApp.deps.secrets.open((await storedSecret(testApp, created.id)) as string), secret)
  })

  test('an editor gets 403, an anonymous caller 401, on every webhook route', async (t) => {
    const testApp = await buildTestApp(t)
    const admin = await signedIn(testApp, 'admin')
    const editor = await signedIn(testApp, 'editor')
    const hook = await createWebhookVia(testApp, admin, { url: 'https://hooks.example.com/b', events: ['post.updated'] })
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/v1/webhooks'],
      ['POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/c', events: ['post.updated'] }],
      ['GET', `/api/v1/webhooks/${hook.id}`],
      ['PATCH', `/api/v1/webhooks/${hook.id}`, { status: 'paused' }],
      ['DELETE', `/api/v1/webhooks/${hook.id}`],
      ['POST', `/api/v1/webhooks/${hook.id}/rotate-secret`],
      ['POST', `/api/v1/webhooks/${hook.id}/ping`],
      ['GET', `/api/v1/webhooks/${hook.id}/deliveries`],
      ['GET', `/api/v1/webhooks/${hook.id}/deliveries/1`],
      ['POST', `/api/v1/webhooks/${hook.id}/deliveries/1/redeliver`],
    ]
    for (const [method, url, payload] of routes) {
      const asEditor = await testApp.app.inject({ method: method as 'GET', url, headers: editor, ...(payload ? { payload } : {}) })
      assert.equal(asEditor.statusCode, 403, `${method} ${url} as an editor`)
      const anonymous = await testApp.app.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) })
      assert.equal(anonymous.statusCode, 401, `${method} ${url} anonymously`)
    }
    const still = await testApp.app.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}`, headers: admin })
    assert.equal(still.json().status, 'active', 'nothing changed')
  })

  test('bad input is a 400 naming the field, and nothing is written', async (t) => {
    const testApp = await buildTestApp(t)
    const admin = await signedIn(testApp, 'admin')
    const good = { url: 'https://hooks.example.com/x', events: ['form.submitted'] }
    const cases: [string, Record<string, unknown>, string][] = [
      ['no url', { events: ['form.submitted'] }, 'url'],
      ['an ftp url', { ...good, url: 'ftp://hooks.example.com/x' }, 'url'],
      ['a relative url', { ...good, url: '/hooks' }, 'url'],
      ['credentials in the url', { ...good, url: 'https://user:pass@hooks.example.com/x' }, 'url'],
      ['a user name in the url', { ...good, url: 'https://user@hooks.example.com/x' }, 'url'],
      ['a fragment', { ...good, url: 'https://hooks.example.com/x#frag' }, 'url'],
      ['a loopback IP', { ...good, url: 'http://127.0.0.1:8080/x' }, 'url'],
      ['an IPv4-mapped loopback', { ...good, url: 'http://[::ffff:127.0.0.1]/x' }, 'url'],
      ['the metadata address', { ...good, url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      ['a private IP', { ...good, url: 'https://10.1.2.3/x' }, 'url'],
      ['0.0.0.0', { ...good, url: 'http://0.0.0.0/x' }, 'url'],
      ['a url too long', { ...good, url: `https://hooks.example.com/${'a'.repeat(2000)}` }, 'url'],
      ['no events', { ...good, events: [] }, 'events'],
      ['an unknown event', { ...good, events: ['user.deleted'] }, 'events.0'],
      ['the ping event', { ...good, events: ['webhook.ping'] }, 'events.0'],
      ['repeated events', { ...good, events: ['form.submitted', 'form.submitted'] }, 'events'],
      ['a bad status', { ...good, status: 'on' }, 'status'],
      ['a short secret', { ...good, secret: 'short' }, 'secret'],
      ['a secret with spaces', { ...good, secret: 'a secret with spaces in it' }, 'secret'],
      ['a long description', { ...good, description: 'x'.repeat(501) }, 'description'],
      ['an unknown field', { ...good, colour: 'red' }, 'colour'],
    ]
    const before = await countWebhooks(testApp)
    for (const [name, payload, field] of cases) {
      const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: admin, payload })
      assert.equal(response.statusCode, 400, `${name}: ${response.body}`)
      const fields = (response.json().errors as { field: string }[]).map((error) => error.field)
      assert.ok(fields.includes(field), `${name}: ${field} is named (${fields.join(', ')})`)
    }
    assert.equal(await countWebhooks(testApp), before, 'nothing written')

    const hook = await createWebhookVia(testApp, admin, good)
    for (const [payload, field] of [
      [{}, ''],
      [{ url: 'http://192.168.0.1/' }, 'url'],
      [{ events: ['nope'] }, 'events.0'],
      [{ secret: 'abcdefghijklmnopqrstu' }, 'secret'],
    ] as const) {
      const response = await testApp.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${hook.id}`, headers: admin, payload })
      assert.equal(response.statusCode, 400, `PATCH ${JSON.stringify(payload)}: ${response.body}`)
      if (field)
        assert.ok(
          (response.json().errors as { field: string }[]).some((error) => error.field === field),
          response.body,
        )
    }
    const unchanged = await testApp.app.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}`, headers: admin })
    assert.equal(unchanged.json().url, good.url)
    for (const url of [`/api/v1/webhooks/0`, `/api/v1/webhooks/abc`, `/api/v1/webhooks/${hook.id}/deliveries?status=gone`]) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: admin })
      assert.equal(response.statusCode, 400, url)
    }
    for (const url of [`/api/v1/webhooks/${hook.id + 1000}`, `/api/v1/webhooks/${hook.id + 1000}/deliveries`]) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: admin })
      assert.equal(response.statusCode, 404, url)
    }
    const cursor = await testApp.app.inject({ method: 'GET', url: '/api/v1/webhooks?cursor=nonsense', headers: admin })
    assert.equal(cursor.statusCode, 400)
  })

  test('with webhooks_allow_private on, a private or loopback address is accepted', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const admin = await signedIn(testApp, 'admin')
    await allowPrivate(testApp, admin, true)
    const hook = await createWebhookVia(testApp, admin, { url: 'http://127.0.0.1:9/x', events: ['post.updated'] })
    assert.equal(hook.url, 'http://127.0.0.1:9/x')
  })

  test(`a site keeps at most ${MAX_SUBSCRIPTIONS} webhooks (409), and the list pages through them`, async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const admin = await signedIn(testApp, 'admin')
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) {
      await createWebhookVia(testApp, admin, { url: `https://hooks.example.com/${i}`, events: ['post.updated'] })
    }
    const over = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: admin,
      payload: { url: 'https://hooks.example.com/over', events: ['post.updated'] },
    })
    assert.equal(over.statusCode, 409, over.body)
    assert.equal(over.json().code, 'conflict')
    assert.equal(await countWebhooks(testApp), MAX_SUBSCRIPTIONS)

    const seen: number[] = []
    let cursor: string | null = null
    do {
      const page: { json: () => { data: { id: number }[]; next_cursor: string | null }; statusCode: number } = await testApp.app.inject({
        method: 'GET',
        url: `/api/v1/webhooks?limit=20${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin,
      })
      assert.equal(page.statusCode, 200)
      seen.push(...(page.json().data as { id: number }[]).map((item) => item.id))
      cursor = page.json().next_cursor
    } while (cursor)
    assert.equal(seen.length, MAX_SUBSCRIPTIONS)
    assert.equal(new Set(seen).size, MAX_SUBSCRIPTIONS)
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => b - a),
      'newest first',
    )
  })
})
