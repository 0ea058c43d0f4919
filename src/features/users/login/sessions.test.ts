import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { createUser, logIn } from '../../../../test/factories.ts'
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from './sessions.ts'

// Session lifetimes on a test clock (issue 8): every test runs at 00:30 and at
// 23:30 UTC, so each expiry below also falls on the other side of a midnight.
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

async function signedIn(testApp: TestApp) {
  const user = await createUser(testApp.database.db)
  const session = await logIn(testApp.app, user.email)
  const me = () => testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session.cookie } })
  const lastSeen = async () =>
    (
      await sql<{ last_seen_at: Date }>`select last_seen_at from sessions where user_id = ${user.id}`.execute(testApp.database.db)
    ).rows[0]?.last_seen_at.toISOString()
  return { user, session, me, lastSeen }
}

for (const start of TRICKY_HOURS) {
  test(`at ${start}: a session ends after 7 idle days; using it slides that, written at most hourly`, async (t) => {
    const clock = testClock(start)
    const testApp = await buildTestApp(t, { clock })
    const { session, me, lastSeen } = await signedIn(testApp)
    assert.match(session.setCookie, new RegExp(`Expires=${new Date(clock().getTime() + SESSION_ABSOLUTE_MS).toUTCString()}`))
    assert.equal(await lastSeen(), start.replace('Z', '.000Z'), 'last seen at sign-in')

    clock.advance(60 * MINUTE)
    assert.equal((await me()).statusCode, 200)
    assert.equal(await lastSeen(), new Date(start).toISOString(), 'an hour later: not written again yet')
    clock.advance(1000)
    assert.equal((await me()).statusCode, 200)
    const used = clock().toISOString()
    assert.equal(await lastSeen(), used, 'more than an hour later: written')

    clock.set(new Date(new Date(used).getTime() + SESSION_IDLE_MS - 1000))
    assert.equal((await me()).statusCode, 200, 'a second before 7 idle days')
    const slid = clock().toISOString()
    assert.equal(await lastSeen(), slid)
    clock.set(new Date(new Date(slid).getTime() + SESSION_IDLE_MS))
    assert.equal((await me()).statusCode, 401, '7 idle days after the last use')
    assert.equal(await lastSeen(), undefined, 'the expired session is deleted')
  })

  test(`at ${start}: a session in daily use still ends 30 days after sign-in`, async (t) => {
    const clock = testClock(start)
    const testApp = await buildTestApp(t, { clock })
    const { me } = await signedIn(testApp)
    const end = clock().getTime() + SESSION_ABSOLUTE_MS
    for (let day = 1; day < 30; day++) {
      clock.set(new Date(new Date(start).getTime() + day * DAY))
      assert.equal((await me()).statusCode, 200, `day ${day}`)
    }
    clock.set(new Date(end - 1000))
    assert.equal((await me()).statusCode, 200, 'a second before 30 days')
    clock.set(new Date(end))
    assert.equal((await me()).statusCode, 401, 'at 30 days')
  })
}
