import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../test/app.ts'
import { logIn } from '../../../test/factories.ts'
import { prepareSetupLink } from './setup.service.ts'

const tokenOf = (url: string) => new URL(url).searchParams.get('token') as string

test('the one-time setup link creates the first administrator, once', async (t) => {
  const { app, database, config } = await buildTestApp(t, { privateDatabase: true })
  const url = (await prepareSetupLink(database.db, config.publicUrl)) as string
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
  assert.equal(await prepareSetupLink(database.db, config.publicUrl), undefined, 'no link once an admin exists')
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where role = 'admin'`.execute(database.db)
  assert.equal(rows[0]?.n, 1)
})

test('forged, expired and replaced setup tokens are refused; bad input is a 400 that keeps the token usable', async (t) => {
  const { app, database, config } = await buildTestApp(t, { privateDatabase: true })
  const first = tokenOf((await prepareSetupLink(database.db, config.publicUrl)) as string)
  const second = tokenOf((await prepareSetupLink(database.db, config.publicUrl)) as string)
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
  await sql`update one_time_tokens set expires_at = now() - interval '1 second' where purpose = 'setup'`.execute(database.db)
  assert.equal((await setup(second)).statusCode, 400, 'expired')
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users`.execute(database.db)
  assert.equal(rows[0]?.n, 0, 'nothing was created')
})
