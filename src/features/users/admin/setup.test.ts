import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../../test/app.ts'
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

describe('the setup link in a browser (the admin UI’s setup screen, issue 13)', () => {
  test('opens the admin shell, which keeps the token out of referrers and caches', async (t) => {
    const { app, database, config, deps } = await buildTestApp(t, { privateDatabase: true })
    const url = new URL((await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string)
    const page = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` })
    assert.equal(page.statusCode, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    assert.equal(page.headers['cache-control'], 'no-cache')
    assert.equal(page.headers['referrer-policy'], 'no-referrer')
    assert.match(page.body, /<script type="module" src="\/admin\/assets\/main-[A-Z0-9]+\.js"><\/script>/)
    // The screen posts to POST /api/v1/setup (tested above); the token reaches no page of the server's making.
    assert.ok(!page.body.includes(tokenOf(url.href)))
  })

  test('POST /api/v1/setup refuses other origins, as sign-in does, and creates nothing', async (t) => {
    const { app, database, config, deps } = await buildTestApp(t, { privateDatabase: true })
    const token = tokenOf((await prepareSetupLink(database.db, config.publicUrl, deps.clock())) as string)
    const payload = { token, email: 'o@example.com', name: 'O', password: 'the owner passphrase' }
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
      const refused = await app.inject({ method: 'POST', url: '/api/v1/setup', headers, payload })
      assert.equal(refused.statusCode, 403, JSON.stringify(headers))
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where role = 'admin'`.execute(database.db)
    assert.equal(rows[0]?.n, 0)
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/setup', payload })).statusCode, 201, 'the token still works')
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
