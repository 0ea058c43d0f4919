import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { logIn } from '../../../../test/factories.ts'
import { createAdministrator, prepareSetupLink, SETUP_TTL_MS } from './setup.service.ts'

const tokenOf = (url: string) => new URL(url).searchParams.get('token') as string

test('the one-time setup link creates the first administrator, once', async (t) => {
  const { app, database, config, deps } = await buildTestApp(t, { privateDatabase: true })
  const url = (await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string
  assert.match(url, new RegExp(`^${config.publicUrl}/admin/setup\\?token=[A-Za-z0-9_-]{43}$`))
  const payload = { token: tokenOf(url), email: 'owner@example.com', password: 'the owner passphrase', name: 'Owner' }

  const created = await app.inject({ method: 'POST', url: '/api/v1/setup', payload })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal(created.json().role, 'admin')
  assert.equal(created.json().email_verified, true)
  await logIn(app, 'owner@example.com', 'the owner passphrase')

  const again = await app.inject({ method: 'POST', url: '/api/v1/setup', payload: { ...payload, email: 'second@example.com' } })
  assert.equal(again.statusCode, 400, 'the token works once')
  assert.equal(again.json().errors[0].field, 'token')
  assert.equal(await prepareSetupLink(database.db, config.publicUrl, deps.clock()), undefined, 'no link once an admin exists')
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where role = 'admin'`.execute(database.db)
  assert.equal(rows[0]?.n, 1)
})

test('forged and replaced setup tokens are refused; bad input is a 400 that keeps the token usable', async (t) => {
  const { app, database, config, deps } = await buildTestApp(t, { privateDatabase: true })
  const first = tokenOf((await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string)
  const second = tokenOf((await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string)
  const setup = (token: string, extra: Record<string, unknown> = {}) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { token, email: 'o@example.com', password: 'the owner passphrase', name: 'O', ...extra },
    })

  assert.equal((await setup(first)).statusCode, 400, 'an earlier link is discarded by a newer one')
  assert.equal((await setup('A'.repeat(43))).statusCode, 400, 'forged')
  assert.equal((await setup(second, { password: 'password123' })).statusCode, 400, 'common password')
  assert.equal((await setup(second, { role: 'member' })).statusCode, 400, 'unknown field')
  assert.equal((await setup(second, { email: 'nope' })).statusCode, 400, 'bad email')
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users`.execute(database.db)
  assert.equal(rows[0]?.n, 0, 'nothing was created')
})

for (const start of TRICKY_HOURS) {
  test(`a setup link made at ${start} works for 24 hours, not a second more`, async (t) => {
    const clock = testClock(start)
    const { app, database, config } = await buildTestApp(t, { privateDatabase: true, clock })
    const token = tokenOf((await prepareSetupLink(database.db, config.publicUrl, clock())) as string)
    const setup = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/setup',
        payload: { token, email: 'o@example.com', password: 'the owner passphrase', name: 'O' },
      })

    clock.advance(SETUP_TTL_MS)
    const expired = await setup()
    assert.equal(expired.statusCode, 400, 'expired at 24 h')
    assert.equal(expired.json().errors[0].field, 'token')
    clock.advance(-1000)
    assert.equal((await setup()).statusCode, 201, 'still valid a second before, and not spent by the refused try')
  })
}

describe('the setup page (the link in the log, in a browser)', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
  const post = (app: TestApp['app'], body: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/admin/setup',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: body,
    })
  const admins = async (testApp: TestApp) =>
    (await sql<{ n: number }>`select count(*)::int as n from users where role = 'admin'`.execute(testApp.database.db)).rows[0]?.n

  test('the link opens a form that creates the administrator once, without JavaScript', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const { app, database, config, deps } = testApp
    const url = new URL((await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string)
    const page = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` })
    assert.equal(page.statusCode, 200)
    assert.equal(page.headers['cache-control'], 'no-store')
    assert.equal(page.headers['referrer-policy'], 'no-referrer')
    assert.match(page.body, /<form method="post" action="\/admin\/setup">/)
    assert.ok(page.body.includes(`<input type="hidden" name="token" value="${tokenOf(url.href)}">`))

    const fields = { token: tokenOf(url.href), email: 'owner@example.com', name: 'Owner', password: 'the owner passphrase' }
    const created = await post(app, form(fields))
    assert.equal(created.statusCode, 201, created.body)
    assert.match(created.body, /Administrator created/)
    assert.equal(await admins(testApp), 1)
    await logIn(app, 'owner@example.com', 'the owner passphrase')

    const again = await post(app, form({ ...fields, email: 'second@example.com' }))
    assert.equal(again.statusCode, 400)
    assert.match(again.body, /role="alert"/)
    assert.equal(await admins(testApp), 1)
  })

  test('bad input re-shows the form with a message, escaped, and creates nothing', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const { app, database, config, deps } = testApp
    const token = tokenOf((await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string)
    const good = { token, email: 'o@example.com', name: 'O', password: 'the owner passphrase' }
    const cases: [string, string, RegExp][] = [
      ['no fields', '', /Fill in: email, name, password, token/],
      ['no password', form({ ...good, password: '' }), /Fill in: password/],
      ['a short password', form({ ...good, password: 'short' }), /Check: password/],
      ['a bad email', form({ ...good, email: '"><script>x</script>' }), /Check: email/],
      ['an unknown field', form({ ...good, role: 'admin' }), /Check:/],
      ['a forged token', form({ ...good, token: 'forged' }), /token/],
      ['a common password', form({ ...good, password: 'password123' }), /common/i],
      ['a field sent twice', `${form(good)}&email=b%40example.com`, /Check: email/],
    ]
    for (const [name, body, message] of cases) {
      const response = await post(app, body)
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${name}: ${response.statusCode}`)
      assert.match(response.body, message, name)
      assert.doesNotMatch(response.body, /<script>x/, name)
      assert.match(response.body, /<form method="post"/, name)
    }
    const twice = await app.inject({ method: 'GET', url: '/admin/setup?token=a&token=b' })
    assert.equal(twice.statusCode, 200)
    assert.ok(twice.body.includes('<input type="hidden" name="token" value="">'))
    const echoed = await post(app, form({ ...good, email: '"><b>x</b>@example.com', token: 'forged' }))
    assert.ok(echoed.body.includes('value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;@example.com"'))
    assert.equal(await admins(testApp), 0)
    // The token still works after all of that.
    assert.equal((await post(app, form(good))).statusCode, 201)
  })

  test('other origins are refused, and url-encoded bodies are parsed on this page only', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const { app, database, config, deps } = testApp
    const token = tokenOf((await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string)
    const body = form({ token, email: 'o@example.com', name: 'O', password: 'the owner passphrase' })
    assert.equal((await post(app, body, { origin: 'https://evil.example' })).statusCode, 403)
    assert.equal((await post(app, body, { 'sec-fetch-site': 'cross-site' })).statusCode, 403)
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ email: 'o@example.com', password: 'x' }),
    })
    assert.equal(login.statusCode, 415)
    assert.equal(await admins(testApp), 0)
  })
})

test('an administrator made outside HTTP (the CLI) gets the same display-name check: a line break or a link is a 400 naming name', async (t) => {
  const { database } = await buildTestApp(t)
  const meta = { ip: 'cli', userAgent: 'test' }
  for (const name of ['Admin\nEvil', 'see https://x.example']) {
    await assert.rejects(
      createAdministrator(database.db, { email: `admin-${name.length}@example.com`, password: 'the owner passphrase', name }, meta),
      (error: { status: number; fields: { field: string }[] }) => error.status === 400 && error.fields[0]?.field === 'name',
    )
  }
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where email like 'admin-%@example.com'`.execute(
    database.db,
  )
  assert.equal(rows[0]?.n, 0)
})
