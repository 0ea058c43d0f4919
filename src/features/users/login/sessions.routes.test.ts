import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../../test/app.ts'
import { createUser, logIn } from '../../../../test/factories.ts'

test('a user lists their own sessions (the current one marked) and ends another; never the token hash', async (t) => {
  const { app, database } = await buildTestApp(t)
  const user = await createUser(database.db)
  const stranger = await createUser(database.db)
  const here = await logIn(app, user.email)
  const elsewhere = await logIn(app, user.email)
  const strangers = await logIn(app, stranger.email)
  const headers = { cookie: here.cookie, 'x-csrf-token': here.csrf }

  const listed = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: { cookie: here.cookie } })
  assert.equal(listed.statusCode, 200)
  const sessions = listed.json().data as { id: number; current: boolean; ip: string }[]
  assert.equal(sessions.length, 2)
  assert.equal(sessions.filter((s) => s.current).length, 1)
  assert.equal(sessions[0]?.ip, '127.0.0.1')
  const hashes = await sql<{ token_hash: string }>`select token_hash from sessions where user_id = ${user.id}`.execute(database.db)
  assert.ok(
    hashes.rows.every((row) => !listed.body.includes(row.token_hash)),
    'no token hash in the answer',
  )

  const strangerSession = (await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: { cookie: strangers.cookie } })).json()
    .data[0] as { id: number }
  const notMine = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${strangerSession.id}`, headers })
  assert.equal(notMine.statusCode, 404, "another user's session is not found")
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: strangers.cookie } })).statusCode, 200)

  const other = sessions.find((s) => !s.current) as { id: number }
  const ended = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${other.id}`, headers })
  assert.equal(ended.statusCode, 204)
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: elsewhere.cookie } })).statusCode, 401)
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: here.cookie } })).statusCode, 200)
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${other.id}`, headers })).statusCode, 404)
  const audit = await sql<{ event: string }>`select event from audit_log where user_id = ${user.id} and event = 'session_revoked'`.execute(
    database.db,
  )
  assert.equal(audit.rows.length, 1)

  for (const bad of ['0', 'abc', '-1', '1.5']) {
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${bad}`, headers })).statusCode, 400, bad)
  }
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/sessions' })).statusCode, 401)
  const noCsrf = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${other.id}`, headers: { cookie: here.cookie } })
  assert.equal(noCsrf.statusCode, 403)
})

test('sessions need a browser session, not an API token', async (t) => {
  const { app, database } = await buildTestApp(t)
  const user = await createUser(database.db, { verified: true })
  const session = await logIn(app, user.email)
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    payload: { name: 'script', scopes: ['read'] },
  })
  const token = created.json().token as string
  const listed = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: { authorization: `Bearer ${token}` } })
  assert.equal(listed.statusCode, 403)
  assert.equal(listed.json().code, 'session_required')
})
