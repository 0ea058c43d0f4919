import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { createUser, logIn, TEST_PASSWORD } from '../../../../test/factories.ts'

async function adminSession(testApp: TestApp) {
  const admin = await createUser(testApp.database.db, { role: 'admin' })
  return { admin, ...(await logIn(testApp.app, admin.email)) }
}

describe('admin: users and audit log', () => {
  test('anonymous callers get 401 and members 403 on admin routes', async (t) => {
    const testApp = await buildTestApp(t)
    const member = await createUser(testApp.database.db)
    const { cookie, csrf } = await logIn(testApp.app, member.email)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/users' })).statusCode, 401)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie } })).statusCode, 403)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/audit', headers: { cookie } })).statusCode, 403)
    const patch = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${member.id}`,
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { role: 'admin' },
    })
    assert.equal(patch.statusCode, 403)
  })

  test('lists users newest first with cursor pagination and search', async (t) => {
    const testApp = await buildTestApp(t)
    const { cookie } = await adminSession(testApp)
    const marker = `zq${Date.now()}`
    const created = []
    for (let i = 0; i < 3; i++) created.push(await createUser(testApp.database.db, { name: `${marker} ${i}` }))
    const first = await testApp.app.inject({ method: 'GET', url: `/api/v1/users?limit=2&q=${marker}`, headers: { cookie } })
    assert.equal(first.statusCode, 200)
    assert.deepEqual(
      first.json().data.map((u: { id: number }) => u.id),
      [created[2]?.id, created[1]?.id],
    )
    assert.equal(typeof first.json().next_cursor, 'string')
    const second = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/users?limit=2&q=${marker}&cursor=${first.json().next_cursor}`,
      headers: { cookie },
    })
    assert.deepEqual(
      second.json().data.map((u: { id: number }) => u.id),
      [created[0]?.id],
    )
    assert.equal(second.json().next_cursor, null)
    assert.ok(!JSON.stringify(first.json()).includes('password'))
  })

  test('filters users by role and shows who is disabled', async (t) => {
    const testApp = await buildTestApp(t)
    const { cookie, csrf } = await adminSession(testApp)
    const marker = `zr${Date.now()}`
    const author = await createUser(testApp.database.db, { role: 'author', name: `${marker} author` })
    await createUser(testApp.database.db, { role: 'editor', name: `${marker} editor` })
    const disabled = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${author.id}`,
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { disabled: true },
    })
    assert.equal(disabled.json().disabled, true)
    const authors = await testApp.app.inject({ method: 'GET', url: `/api/v1/users?q=${marker}&role=author`, headers: { cookie } })
    assert.deepEqual(
      authors.json().data.map((u: { id: number; disabled: boolean }) => [u.id, u.disabled]),
      [[author.id, true]],
    )
    const bad = await testApp.app.inject({ method: 'GET', url: '/api/v1/users?role=owner', headers: { cookie } })
    assert.equal(bad.statusCode, 400)
  })

  const badQueries: [string, string][] = [
    ['limit=0', 'limit'],
    ['limit=1000', 'limit'],
    ['limit=abc', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['q=', 'q'],
    ['sort=email', 'sort'],
  ]
  for (const [query, field] of badQueries) {
    test(`GET /api/v1/users?${query} is a 400 naming ${field}`, async (t) => {
      const testApp = await buildTestApp(t)
      const { cookie } = await adminSession(testApp)
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/users?${query}`, headers: { cookie } })
      assert.equal(response.statusCode, 400, response.body)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        response.body,
      )
    })
  }

  test('a role change is audited and ends the user’s sessions; disabling refuses login', async (t) => {
    const testApp = await buildTestApp(t)
    const { admin, cookie, csrf } = await adminSession(testApp)
    const user = await createUser(testApp.database.db)
    const userSession = await logIn(testApp.app, user.email)
    const patch = (payload: Record<string, unknown>) =>
      testApp.app.inject({ method: 'PATCH', url: `/api/v1/users/${user.id}`, headers: { cookie, 'x-csrf-token': csrf }, payload })

    const promoted = await patch({ role: 'editor' })
    assert.equal(promoted.statusCode, 200)
    assert.equal(promoted.json().role, 'editor')
    assert.equal(
      (await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: userSession.cookie } })).statusCode,
      401,
    )

    assert.equal((await patch({ disabled: true })).statusCode, 200)
    const login = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: TEST_PASSWORD },
    })
    assert.equal(login.statusCode, 403)

    const audit = await testApp.app.inject({ method: 'GET', url: `/api/v1/audit?user_id=${user.id}`, headers: { cookie } })
    const events = audit.json().data as { event: string; actor_id: number; details: Record<string, unknown> }[]
    assert.deepEqual(
      events.map((e) => e.event),
      ['credentials_revoked', 'user_disabled', 'credentials_revoked', 'role_changed', 'login_ok'],
    )
    assert.equal(events[3]?.actor_id, admin.id)
    assert.deepEqual(events[3]?.details, { from: 'member', to: 'editor' })
    assert.deepEqual(
      [events[0]?.details.reason, events[2]?.details.reason],
      ['user_disabled', 'role_changed'],
      'each revocation names its reason',
    )
  })

  const badPatches: [string, unknown, number][] = [
    ['an unknown role', { role: 'superuser' }, 400],
    ['an empty body', {}, 400],
    ['a string for disabled', { disabled: 'yes' }, 400],
    ['an email (not changeable here)', { email: 'x@example.com' }, 400],
  ]
  for (const [name, payload, status] of badPatches) {
    test(`PATCH /api/v1/users/{id} with ${name} is a ${status} and changes nothing`, async (t) => {
      const testApp = await buildTestApp(t)
      const { cookie, csrf } = await adminSession(testApp)
      const user = await createUser(testApp.database.db)
      const response = await testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${user.id}`,
        headers: { cookie, 'x-csrf-token': csrf },
        payload: payload as object,
      })
      assert.equal(response.statusCode, status, response.body)
      const { rows } = await sql<{
        role: string
        disabled_at: Date | null
      }>`select role, disabled_at from users where id = ${user.id}`.execute(testApp.database.db)
      assert.deepEqual(rows[0], { role: 'member', disabled_at: null })
    })
  }

  test('an unknown user id is a 404, a malformed one a 400', async (t) => {
    const testApp = await buildTestApp(t)
    const { cookie, csrf } = await adminSession(testApp)
    const headers = { cookie, 'x-csrf-token': csrf }
    assert.equal(
      (await testApp.app.inject({ method: 'PATCH', url: '/api/v1/users/999999999', headers, payload: { role: 'author' } })).statusCode,
      404,
    )
    assert.equal(
      (await testApp.app.inject({ method: 'PATCH', url: '/api/v1/users/abc', headers, payload: { role: 'author' } })).statusCode,
      400,
    )
  })

  test('the last active administrator cannot be demoted or disabled', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const { admin, cookie, csrf } = await adminSession(testApp)
    const headers = { cookie, 'x-csrf-token': csrf }
    for (const payload of [{ role: 'editor' }, { disabled: true }]) {
      const response = await testApp.app.inject({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, headers, payload })
      assert.equal(response.statusCode, 409, response.body)
    }
  })
})
