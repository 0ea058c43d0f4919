import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import argon2 from 'argon2'
import { type Db, sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { sharedTestDatabase } from '../../../../test/db.ts'
import { createUser, logIn, TEST_PASSWORD, uniqueEmail } from '../../../../test/factories.ts'
import { upsertSetting } from '../../settings/settings.queries.ts'
import { RESET_TTL_MS, VERIFY_TTL_MS } from './recovery.service.ts'

// Sign-up is off on a new site (issue 10, item 6): these tests sign visitors up, so the file's database allows it.
before(async () => upsertSetting((await sharedTestDatabase()).database.db, 'signup_enabled', true))

/** The token in the link of the newest queued mail to `to` (the job worker would send it; mailer.test.ts covers SMTP). */
async function tokenMailedTo(db: Db, to: string, path: string): Promise<string | undefined> {
  const { rows } = await sql<{ payload: { to: string; data: { url?: string } } }>`
    select payload from jobs where name = 'mail.send' and payload->>'to' = ${to} order by id desc limit 1`.execute(db)
  const url = rows[0]?.payload.data.url
  return url?.includes(path) ? (new URL(url).searchParams.get('token') ?? undefined) : undefined
}

describe('password reset', () => {
  test('mails a single-use link; the new password works and every session ends', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const session = await logIn(app, user.email)
    const request = await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email.toUpperCase() } })
    assert.equal(request.statusCode, 202)
    const token = (await tokenMailedTo(database.db, user.email, '/admin/password-reset/confirm')) as string
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    const { rows } = await sql<{ token_hash: string }>`select token_hash from one_time_tokens where user_id = ${user.id}`.execute(
      database.db,
    )
    assert.ok(
      rows.every((row) => row.token_hash !== token),
      'stored hashed',
    )

    const confirm = (password: string, withToken = token) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token: withToken, password } })
    assert.equal((await confirm('password1')).statusCode, 400, 'a common password is refused and the token stays usable')
    assert.equal((await confirm('my new reset passphrase')).statusCode, 204)
    assert.equal((await confirm('another new passphrase')).statusCode, 400, 'works once')
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session.cookie } })).statusCode, 401)
    await logIn(app, user.email, 'my new reset passphrase')
    const { rows: events } = await sql<{ event: string }>`
      select event from audit_log where user_id = ${user.id} and event like 'password_reset%' order by id`.execute(database.db)
    assert.deepEqual(
      events.map((e) => e.event),
      ['password_reset_requested', 'password_reset'],
    )
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } })
    assert.equal(login.statusCode, 401)
  })

  test('an unknown address gets the same 202 and no mail', async (t) => {
    const { app, database } = await buildTestApp(t)
    const email = uniqueEmail('ghost')
    const response = await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } })
    assert.equal(response.statusCode, 202)
    assert.equal(response.body, '')
    assert.equal(await tokenMailedTo(database.db, email, '/admin/password-reset/confirm'), undefined)
  })

  test('forged, superseded and wrong-purpose tokens are refused', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    const ask = () => app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } })
    await ask()
    const first = (await tokenMailedTo(database.db, user.email, '/admin/password-reset/confirm')) as string
    clock.advance(5 * 60_000) // one reset mail per account per 5 minutes (mail-limits.test.ts)
    await ask()
    const second = (await tokenMailedTo(database.db, user.email, '/admin/password-reset/confirm')) as string
    const confirm = (token: string) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token, password: 'a brand new passphrase' } })
    assert.equal((await confirm(first)).statusCode, 400, 'superseded by the newer link')
    assert.equal((await confirm('A'.repeat(43))).statusCode, 400, 'forged')
    assert.equal((await confirm('<script>')).statusCode, 400, 'malformed')
    const verify = await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token: second } })
    assert.equal(verify.statusCode, 400, 'a reset token is not a verification token')
    await logIn(app, user.email)
  })
})

for (const start of TRICKY_HOURS) {
  test(`at ${start}: a reset link works for an hour and a verification link for 48 hours, not a second more`, async (t) => {
    const clock = testClock(start)
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } })).statusCode, 202)
    const reset = (await tokenMailedTo(database.db, user.email, '/admin/password-reset/confirm')) as string
    const confirm = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token: reset, password: 'a brand new passphrase' },
      })
    clock.advance(RESET_TTL_MS)
    const expired = await confirm()
    assert.equal(expired.statusCode, 400, 'expired after an hour')
    assert.equal(expired.json().errors[0].field, 'token')
    clock.advance(-1000)
    assert.equal((await confirm()).statusCode, 204, 'a second before, and not spent by the refused try')
    await logIn(app, user.email, 'a brand new passphrase')

    clock.set(start)
    const email = uniqueEmail('late')
    const signup = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'a fine long passphrase', name: 'Late' },
    })
    assert.equal(signup.statusCode, 202)
    const verify = (await tokenMailedTo(database.db, email, '/admin/verify-email')) as string
    const confirmEmail = () => app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token: verify } })
    clock.advance(VERIFY_TTL_MS)
    assert.equal((await confirmEmail()).statusCode, 400, 'expired after 48 hours')
    clock.advance(-1000)
    assert.equal((await confirmEmail()).statusCode, 204)
    assert.equal((await logIn(app, email, 'a fine long passphrase')).user.email_verified, true)
  })
}

describe('email verification', () => {
  test('sign-up mails a verification link that marks the address verified, once', async (t) => {
    const { app, database } = await buildTestApp(t)
    const email = uniqueEmail('verify')
    const signup = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'a fine long passphrase', name: 'Vera' },
    })
    assert.equal(signup.statusCode, 202)
    const token = (await tokenMailedTo(database.db, email, '/admin/verify-email')) as string
    assert.ok(token)
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } })).statusCode, 204)
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } })).statusCode, 400)
    const session = await logIn(app, email, 'a fine long passphrase')
    assert.equal(session.user.email_verified, true)
  })

  for (const [name, payload] of [
    ['no token', {}],
    ['a number', { token: 42 }],
    ['an empty token', { token: '' }],
    ['a very long token', { token: 'x'.repeat(101) }],
  ] as const) {
    test(`verify-email with ${name} is a 400`, async (t) => {
      const { app } = await buildTestApp(t)
      const response = await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload })
      assert.equal(response.statusCode, 400)
      assert.equal(response.json().errors[0].field, 'token')
    })
  }
})

describe('verification rules', () => {
  test('a changed address gets a new verification mail', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const { cookie, csrf } = await logIn(app, user.email)
    const email = uniqueEmail('changed')
    const moved = await app.inject({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { email, current_password: TEST_PASSWORD },
    })
    assert.equal(moved.statusCode, 200)
    const token = (await tokenMailedTo(database.db, email, '/admin/verify-email')) as string
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } })).statusCode, 204)
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode,
      401,
      'the old session ended',
    )
    const renewed = (moved.headers['set-cookie'] as string).split(';')[0] as string
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: renewed } })
    assert.equal(me.json().email_verified, true)
  })

  test('with require_email_verification on, an unverified account cannot log in until it verifies', async (t) => {
    const { app, database } = await buildTestApp(t, { privateDatabase: true })
    await upsertSetting(database.db, 'signup_enabled', true)
    await upsertSetting(database.db, 'require_email_verification', true)
    const email = uniqueEmail('strict')
    await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email, password: 'a fine long passphrase', name: 'S' } })
    const refused = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'a fine long passphrase' } })
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().code, 'email_not_verified')
    const token = (await tokenMailedTo(database.db, email, '/admin/verify-email')) as string
    await app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } })
    await logIn(app, email, 'a fine long passphrase')
  })
})

test('a password hashed with older, weaker parameters is rehashed at login', async (t) => {
  const { app, database } = await buildTestApp(t)
  const user = await createUser(database.db)
  const weak = await argon2.hash(TEST_PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 })
  await sql`update users set password_hash = ${weak} where id = ${user.id}`.execute(database.db)
  await logIn(app, user.email)
  const { rows } = await sql<{ password_hash: string }>`select password_hash from users where id = ${user.id}`.execute(database.db)
  assert.match(rows[0]?.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/)
})
