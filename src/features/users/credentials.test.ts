import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn, TEST_PASSWORD, uniqueEmail } from '../../../test/factories.ts'
import { issueOneTimeToken } from './recovery/one-time-tokens.ts'
import { RESET_TTL_MS } from './recovery/recovery.service.ts'

/**
 * Issue 9, item 1: a password reset, a password change, an email change, a role
 * change and disabling an account end every session and API token of the user,
 * with a `credentials_revoked` audit event naming the reason.
 */

type Session = Awaited<ReturnType<typeof logIn>>

/** A verified user with two browser sessions and an API token. */
async function userWithCredentials(testApp: TestApp) {
  const user = await createUser(testApp.database.db, { verified: true })
  const session = await logIn(testApp.app, user.email)
  const otherSession = await logIn(testApp.app, user.email)
  const created = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    payload: { name: 'deploy', scopes: ['write'], current_password: TEST_PASSWORD },
  })
  assert.equal(created.statusCode, 201, created.body)
  const token = created.json().token as string
  assert.equal((await me(testApp, { authorization: `Bearer ${token}` })).statusCode, 200, 'the token works before')
  return { user, session, otherSession, token }
}

const me = (testApp: TestApp, headers: Record<string, string>) => testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })

async function assertAllRevoked(
  testApp: TestApp,
  subject: { user: { id: number }; session: Session; otherSession: Session; token: string },
  reason: string,
) {
  assert.equal((await me(testApp, { authorization: `Bearer ${subject.token}` })).statusCode, 401, 'the API token answers 401')
  assert.equal((await me(testApp, { cookie: subject.session.cookie })).statusCode, 401, 'the session answers 401')
  assert.equal((await me(testApp, { cookie: subject.otherSession.cookie })).statusCode, 401, 'the other session answers 401')
  const { rows: tokens } = await sql<{ revoked_at: Date | null }>`
    select revoked_at from api_tokens where user_id = ${subject.user.id}`.execute(testApp.database.db)
  assert.ok(tokens.length > 0 && tokens.every((row) => row.revoked_at !== null), 'every token row is revoked')
  const { rows: events } = await sql<{ details: { reason: string; sessions: number; tokens: number } }>`
    select details from audit_log where user_id = ${subject.user.id} and event = 'credentials_revoked' order by id`.execute(
    testApp.database.db,
  )
  assert.equal(events.length, 1, 'one audit event')
  assert.equal(events[0]?.details.reason, reason)
  assert.equal(events[0]?.details.tokens, 1)
  assert.ok((events[0]?.details.sessions ?? 0) >= 2)
}

describe('events that end every session and API token of a user', () => {
  test('a password reset revokes every session and API token', async (t) => {
    const testApp = await buildTestApp(t)
    const subject = await userWithCredentials(testApp)
    const resetToken = await issueOneTimeToken(testApp.database.db, 'password_reset', subject.user.id, RESET_TTL_MS, new Date())
    const confirm = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token: resetToken, password: 'a brand new reset passphrase' },
    })
    assert.equal(confirm.statusCode, 204, confirm.body)
    await assertAllRevoked(testApp, subject, 'password_reset')
  })

  for (const [what, change, reason] of [
    ['a password change', { password: 'a brand new own passphrase', current_password: TEST_PASSWORD }, 'password_changed'],
    ['an email change', { email: uniqueEmail('moved'), current_password: TEST_PASSWORD }, 'email_changed'],
  ] as const) {
    test(`${what} revokes every session and API token; the caller's session goes on under a new cookie`, async (t) => {
      const testApp = await buildTestApp(t)
      const subject = await userWithCredentials(testApp)
      const response = await testApp.app.inject({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        headers: { cookie: subject.session.cookie, 'x-csrf-token': subject.session.csrf },
        payload: change,
      })
      assert.equal(response.statusCode, 200, response.body)
      await assertAllRevoked(testApp, subject, reason)
      const setCookie = response.headers['set-cookie'] as string
      assert.match(setCookie, /^plinth_session=[A-Za-z0-9_-]{43};/)
      const fresh = setCookie.split(';')[0] as string
      assert.notEqual(fresh, subject.session.cookie)
      const again = await me(testApp, { cookie: fresh })
      assert.equal(again.statusCode, 200)
      assert.equal(again.json().id, subject.user.id)
    })
  }

  test('a name change alone keeps every session and token', async (t) => {
    const testApp = await buildTestApp(t)
    const subject = await userWithCredentials(testApp)
    const response = await testApp.app.inject({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      headers: { cookie: subject.session.cookie, 'x-csrf-token': subject.session.csrf },
      payload: { name: 'Renamed' },
    })
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.headers['set-cookie'], undefined)
    assert.equal((await me(testApp, { authorization: `Bearer ${subject.token}` })).statusCode, 200)
    assert.equal((await me(testApp, { cookie: subject.otherSession.cookie })).statusCode, 200)
  })

  test('a wrong current password changes nothing and revokes nothing', async (t) => {
    const testApp = await buildTestApp(t)
    const subject = await userWithCredentials(testApp)
    const response = await testApp.app.inject({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      headers: { cookie: subject.session.cookie, 'x-csrf-token': subject.session.csrf },
      payload: { password: 'a brand new own passphrase', current_password: 'not the password' },
    })
    assert.equal(response.statusCode, 400)
    assert.equal(response.json().errors[0].field, 'current_password')
    assert.equal((await me(testApp, { authorization: `Bearer ${subject.token}` })).statusCode, 200)
    assert.equal((await me(testApp, { cookie: subject.session.cookie })).statusCode, 200)
  })

  for (const [what, change, reason] of [
    ['a role change', { role: 'author' }, 'role_changed'],
    ['disabling the account', { disabled: true }, 'user_disabled'],
  ] as const) {
    test(`${what} by an admin revokes every session and API token, which stay dead afterwards`, async (t) => {
      const testApp = await buildTestApp(t)
      const admin = await createUser(testApp.database.db, { role: 'admin' })
      const adminSession = await logIn(testApp.app, admin.email)
      const subject = await userWithCredentials(testApp)
      const patch = (body: object) =>
        testApp.app.inject({
          method: 'PATCH',
          url: `/api/v1/users/${subject.user.id}`,
          headers: { cookie: adminSession.cookie, 'x-csrf-token': adminSession.csrf },
          payload: body,
        })
      const response = await patch(change)
      assert.equal(response.statusCode, 200, response.body)
      await assertAllRevoked(testApp, subject, reason)
      if ('disabled' in change) {
        assert.equal((await patch({ disabled: false })).statusCode, 200)
        assert.equal((await me(testApp, { authorization: `Bearer ${subject.token}` })).statusCode, 401, 'not back after re-enabling')
      }
    })
  }
})
