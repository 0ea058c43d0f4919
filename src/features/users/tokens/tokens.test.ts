import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { createUser, logIn, TEST_PASSWORD } from '../../../../test/factories.ts'

async function createToken(testApp: TestApp, session: { cookie: string; csrf: string }, payload: Record<string, unknown>) {
  return testApp.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    payload,
  })
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const HOUR = 3600_000

describe('personal API tokens', () => {
  test('a token is shown once, stored hashed, and authenticates as its owner', async (t) => {
    const testApp = await buildTestApp(t)
    const user = await createUser(testApp.database.db, { verified: true })
    const session = await logIn(testApp.app, user.email)
    const created = await createToken(testApp, session, { name: 'CI deploy', scopes: ['read'] })
    assert.equal(created.statusCode, 201, created.body)
    const { token, id, prefix } = created.json()
    assert.match(token, /^plinth_[A-Za-z0-9_-]{43}$/)
    assert.ok(token.startsWith(prefix))

    const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { cookie: session.cookie } })
    assert.ok(!list.body.includes(token), 'never shown again')
    assert.equal(list.json().data[0].id, id)
    const { rows } = await sql<{ token_hash: string }>`select token_hash from api_tokens where id = ${id}`.execute(testApp.database.db)
    assert.notEqual(rows[0]?.token_hash, token)
    assert.ok(!rows[0]?.token_hash.includes(token.slice(7)))

    const me = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })
    assert.equal(me.statusCode, 200)
    assert.equal(me.json().id, user.id)
  })

  test('scopes are enforced: a read token cannot use admin routes, an admin token can', async (t) => {
    const testApp = await buildTestApp(t)
    const admin = await createUser(testApp.database.db, { role: 'admin', verified: true })
    const session = await logIn(testApp.app, admin.email)
    const read = (await createToken(testApp, session, { name: 'read', scopes: ['read'] })).json().token
    const full = (await createToken(testApp, session, { name: 'admin', scopes: ['admin'] })).json().token
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(read) })).statusCode, 403)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(full) })).statusCode, 200)
  })

  test('a token cannot change the account or manage tokens (a browser session is required)', async (t) => {
    const testApp = await buildTestApp(t)
    const user = await createUser(testApp.database.db, { verified: true })
    const session = await logIn(testApp.app, user.email)
    const token = (await createToken(testApp, session, { name: 'w', scopes: ['write'] })).json().token
    const patch = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: bearer(token), payload: { name: 'X' } })
    assert.equal(patch.statusCode, 403)
    const more = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(token),
      payload: { name: 'more', scopes: ['read'] },
    })
    assert.equal(more.statusCode, 403)
  })

  test('a member cannot mint an admin-scoped token', async (t) => {
    const testApp = await buildTestApp(t)
    const user = await createUser(testApp.database.db, { verified: true })
    const response = await createToken(testApp, await logIn(testApp.app, user.email), { name: 'x', scopes: ['admin'] })
    assert.equal(response.statusCode, 400)
    assert.equal(response.json().errors[0].field, 'scopes')
  })

  test('revoked, expired, malformed and unknown tokens are refused with 401', async (t) => {
    const clock = testClock(TRICKY_HOURS[0])
    const testApp = await buildTestApp(t, { clock })
    const user = await createUser(testApp.database.db, { verified: true })
    const session = await logIn(testApp.app, user.email)
    const revoked = (await createToken(testApp, session, { name: 'r', scopes: ['read'] })).json()
    const inAnHour = new Date(clock().getTime() + HOUR).toISOString()
    const expired = (await createToken(testApp, session, { name: 'e', scopes: ['read'], expires_at: inAnHour })).json()
    const del = await testApp.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${revoked.id}`,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    })
    assert.equal(del.statusCode, 204)
    const { rows: events } = await sql<{ event: string; details: { token_id: number } }>`
      select event, details from audit_log where user_id = ${user.id} and event like 'token_%' order by id`.execute(testApp.database.db)
    assert.deepEqual(
      events.map((e) => [e.event, e.details.token_id]),
      [
        ['token_created', revoked.id],
        ['token_created', expired.id],
        ['token_revoked', revoked.id],
      ],
    )
    clock.advance(HOUR)
    for (const header of [
      `Bearer ${revoked.token}`,
      `Bearer ${expired.token}`,
      'Bearer plinth_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Bearer short',
      'Basic dXNlcjpwYXNz',
      'Bearer',
    ]) {
      const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: header } })
      assert.equal(response.statusCode, 401, header)
    }
  })

  test("another user's token cannot be revoked (404), and bad token input is a 400", async (t) => {
    const testApp = await buildTestApp(t)
    const owner = await createUser(testApp.database.db, { verified: true })
    const other = await createUser(testApp.database.db, { verified: true })
    const ownerToken = (await createToken(testApp, await logIn(testApp.app, owner.email), { name: 'mine', scopes: ['read'] })).json()
    const otherSession = await logIn(testApp.app, other.email)
    const headers = { cookie: otherSession.cookie, 'x-csrf-token': otherSession.csrf }
    assert.equal((await testApp.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${ownerToken.id}`, headers })).statusCode, 404)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(ownerToken.token) })).statusCode, 200)
    for (const payload of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['delete'] },
      { name: '', scopes: ['read'] },
      { name: 'x', scopes: ['read'], expires_at: 'tomorrow' },
      { name: 'x', scopes: ['read'], expires_at: '2001-01-01T00:00:00Z' },
      { name: 'x', scopes: ['read'], user_id: owner.id },
    ]) {
      const response = await createToken(testApp, otherSession, payload)
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
    }
  })

  for (const start of TRICKY_HOURS) {
    test(`at ${start}: a token works until its expiry (past midnight), and its last use is written at most hourly`, async (t) => {
      const clock = testClock(start)
      const testApp = await buildTestApp(t, { clock })
      const user = await createUser(testApp.database.db, { verified: true })
      const session = await logIn(testApp.app, user.email)
      for (const past of [clock(), new Date(clock().getTime() - 1000)]) {
        const refused = await createToken(testApp, session, { name: 'past', scopes: ['read'], expires_at: past.toISOString() })
        assert.equal(refused.statusCode, 400, `${past.toISOString()} is not in the future`)
        assert.equal(refused.json().errors[0].field, 'expires_at')
      }
      const expiresAt = new Date(clock().getTime() + 24 * HOUR)
      const created = await createToken(testApp, session, { name: 'a day', scopes: ['read'], expires_at: expiresAt.toISOString() })
      assert.equal(created.statusCode, 201, created.body)
      const { token, id } = created.json()
      const me = () => testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })
      const lastUsed = async () =>
        (
          await sql<{ last_used_at: Date | null }>`select last_used_at from api_tokens where id = ${id}`.execute(testApp.database.db)
        ).rows[0]?.last_used_at?.toISOString()

      assert.equal(await lastUsed(), undefined, 'never used')
      assert.equal((await me()).statusCode, 200)
      const firstUse = clock().toISOString()
      assert.equal(await lastUsed(), firstUse)
      clock.advance(HOUR)
      assert.equal((await me()).statusCode, 200)
      assert.equal(await lastUsed(), firstUse, 'an hour later: not written again yet')
      clock.advance(1000)
      assert.equal((await me()).statusCode, 200)
      assert.equal(await lastUsed(), clock().toISOString(), 'more than an hour later: written')

      clock.set(new Date(expiresAt.getTime() - 1000))
      assert.equal((await me()).statusCode, 200, 'a second before its expiry')
      clock.set(expiresAt)
      assert.equal((await me()).statusCode, 401, 'at its expiry')
    })
  }
})

describe('creating a token needs a verified address and the password or a recent sign-in', () => {
  const tokenRows = async (testApp: TestApp, userId: number) =>
    (await sql<{ id: number }>`select id from api_tokens where user_id = ${userId}`.execute(testApp.database.db)).rows.length

  test('an account whose address is not verified cannot create a token (403 email_not_verified)', async (t) => {
    const testApp = await buildTestApp(t)
    const user = await createUser(testApp.database.db)
    const session = await logIn(testApp.app, user.email)
    for (const payload of [
      { name: 'x', scopes: ['read'] },
      { name: 'x', scopes: ['read'], current_password: TEST_PASSWORD },
    ]) {
      const response = await createToken(testApp, session, payload)
      assert.equal(response.statusCode, 403, response.body)
      assert.equal(response.json().code, 'email_not_verified')
    }
    assert.equal(await tokenRows(testApp, user.id), 0)
  })

  test('a session signed in within 10 minutes needs no password; after that, a missing or wrong password is a 400 naming current_password', async (t) => {
    const clock = testClock(TRICKY_HOURS[1])
    const testApp = await buildTestApp(t, { clock })
    const user = await createUser(testApp.database.db, { verified: true })
    const session = await logIn(testApp.app, user.email)
    clock.advance(10 * 60_000)
    assert.equal((await createToken(testApp, session, { name: 'fresh', scopes: ['read'] })).statusCode, 201, 'ten minutes after sign-in')
    clock.advance(1000)
    const refused: [string, Record<string, unknown>][] = [
      ['no password', { name: 'stale', scopes: ['read'] }],
      ['a wrong password', { name: 'stale', scopes: ['read'], current_password: 'not the password' }],
    ]
    for (const [what, payload] of refused) {
      const response = await createToken(testApp, session, payload)
      assert.equal(response.statusCode, 400, what)
      assert.equal(response.json().errors[0].field, 'current_password', what)
    }
    const empty = await createToken(testApp, session, { name: 'stale', scopes: ['read'], current_password: '' })
    assert.equal(empty.statusCode, 400)
    assert.equal(empty.json().errors[0].field, 'current_password')
    assert.equal(await tokenRows(testApp, user.id), 1, 'only the fresh one')
    const ok = await createToken(testApp, session, { name: 'with password', scopes: ['read'], current_password: TEST_PASSWORD })
    assert.equal(ok.statusCode, 201, ok.body)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(ok.json().token) })).statusCode, 200)
  })

  test('wrong passwords at token creation count against the login limit: the account locks for tokens and sign-in alike', async (t) => {
    const clock = testClock(TRICKY_HOURS[0])
    const testApp = await buildTestApp(t, { clock })
    const user = await createUser(testApp.database.db, { verified: true })
    const session = await logIn(testApp.app, user.email)
    clock.advance(HOUR)
    let status = 0
    for (let i = 0; i < 12 && status !== 429; i++) {
      status = (await createToken(testApp, session, { name: 'guess', scopes: ['read'], current_password: `guess ${i}` })).statusCode
    }
    assert.equal(status, 429, 'locked after repeated wrong passwords')
    const right = await createToken(testApp, session, { name: 'right', scopes: ['read'], current_password: TEST_PASSWORD })
    assert.equal(right.statusCode, 429, 'the right password is refused while locked')
    assert.ok(Number(right.headers['retry-after']) > 0)
    const login = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: TEST_PASSWORD },
    })
    assert.equal(login.statusCode, 429, 'signing in from the same address is refused too')
    assert.equal(await tokenRows(testApp, user.id), 0)
  })
})
