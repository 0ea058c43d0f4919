import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as OTPAuth from 'otpauth'
import type { Clock } from '#core/clock.ts'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { type TestClock, TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { createUser, logIn, TEST_PASSWORD } from '../../../../test/factories.ts'

/** The authenticator's code `offsetSteps` 30-second steps from the app's clock. */
const codeAt = (clock: Clock, secret: string, offsetSteps = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: clock().getTime() + offsetSteps * 30_000 })

/** An app whose clock stands still, so no step boundary passes during a test. */
async function appAt(t: Parameters<typeof buildTestApp>[0], start: string = TRICKY_HOURS[0]): Promise<TestApp & { clock: TestClock }> {
  const clock = testClock(start)
  return { ...(await buildTestApp(t, { clock })), clock }
}

async function withTotp(testApp: TestApp & { clock: Clock }) {
  const user = await createUser(testApp.database.db)
  const session = await logIn(testApp.app, user.email)
  const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf }
  const setup = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup', headers })
  assert.equal(setup.statusCode, 200)
  const { secret, otpauth_uri } = setup.json()
  assert.match(otpauth_uri, /^otpauth:\/\/totp\/Plinth:.*secret=/)
  const wrong = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/totp/enable',
    headers,
    payload: { code: codeAt(testApp.clock, secret, 5) },
  })
  assert.equal(wrong.statusCode, 400, 'a code far from now does not enable it')
  const enabled = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/totp/enable',
    headers,
    payload: { code: codeAt(testApp.clock, secret) },
  })
  assert.equal(enabled.statusCode, 200, enabled.body)
  return { user, secret, headers, recoveryCodes: enabled.json().recovery_codes as string[] }
}

const login = (testApp: TestApp, email: string, totp_code?: string) =>
  testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: TEST_PASSWORD, ...(totp_code ? { totp_code } : {}) },
  })

test('with TOTP on, login needs a current code; a code works once (replay refused)', async (t) => {
  const testApp = await appAt(t)
  const { user, secret } = await withTotp(testApp)
  const missing = await login(testApp, user.email)
  assert.equal(missing.statusCode, 401)
  assert.equal(missing.json().code, 'totp_required')
  assert.equal((await login(testApp, user.email, '000000')).json().code, 'totp_invalid')

  const next = codeAt(testApp.clock, secret, 1) // the enabling code used this step; the next one is within the ±1 window
  assert.equal((await login(testApp, user.email, next)).statusCode, 200)
  const replay = await login(testApp, user.email, next)
  assert.equal(replay.statusCode, 401)
  assert.equal(replay.json().code, 'totp_invalid')
  const { rows } = await sql<{ event: string }>`select event from audit_log where user_id = ${user.id} order by id`.execute(
    testApp.database.db,
  )
  assert.ok(rows.some((r) => r.event === 'totp_enabled'))
})

test('a recovery code signs in once; the secret and codes are never shown again', async (t) => {
  const testApp = await appAt(t)
  const { user, recoveryCodes } = await withTotp(testApp)
  assert.equal(recoveryCodes.length, 10)
  assert.equal(new Set(recoveryCodes).size, 10)
  const code = recoveryCodes[3] as string
  const first = await login(testApp, user.email, code)
  assert.equal(first.statusCode, 200)
  assert.equal((await login(testApp, user.email, code)).statusCode, 401)
  const cookie = (first.headers['set-cookie'] as string).split(';')[0] as string
  const me = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })
  assert.equal(me.statusCode, 200)
  assert.doesNotMatch(me.body, /totp|recovery|secret/)
})

test('turning TOTP off needs the password and a code; setup cannot restart while on', async (t) => {
  const testApp = await appAt(t)
  const { user, secret, headers } = await withTotp(testApp)
  assert.equal((await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup', headers })).statusCode, 409)
  const off = (payload: Record<string, unknown>) =>
    testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/disable', headers, payload })
  assert.equal((await off({ password: 'wrong password', code: codeAt(testApp.clock, secret, 1) })).statusCode, 400)
  assert.equal((await off({ password: TEST_PASSWORD, code: '123' })).statusCode, 400)
  assert.equal((await off({ password: TEST_PASSWORD, code: codeAt(testApp.clock, secret, 1) })).statusCode, 204)
  assert.equal((await login(testApp, user.email)).statusCode, 200, 'no code needed any more')
  const { rows } = await sql<{
    event: string
  }>`select event from audit_log where user_id = ${user.id} and event like 'totp_%' order by id`.execute(testApp.database.db)
  assert.deepEqual(
    rows.map((r) => r.event),
    ['totp_enabled', 'totp_disabled'],
  )
})

test('TOTP endpoints need a browser session and valid input', async (t) => {
  const testApp = await buildTestApp(t)
  assert.equal((await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup' })).statusCode, 401)
  const user = await createUser(testApp.database.db)
  const session = await logIn(testApp.app, user.email)
  const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf }
  for (const payload of [{}, { code: 'abcdef' }, { code: 123456 }, { code: '1234567' }]) {
    const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/enable', headers, payload })
    assert.equal(response.statusCode, 400, JSON.stringify(payload))
  }
  const early = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/enable', headers, payload: { code: '123456' } })
  assert.equal(early.statusCode, 409, 'enable before setup')
})

for (const start of TRICKY_HOURS) {
  test(`at ${start}: a code is accepted one step either side of the clock, and never once a later step was used`, async (t) => {
    // Ten seconds before the hour's end: the steps below cross it (at 23:30, midnight).
    const testApp = await appAt(t, new Date(new Date(start).getTime() + 29 * 60_000 + 50_000).toISOString())
    const { clock } = testApp
    const { user, secret } = await withTotp(testApp)
    for (const offset of [-2, 2]) {
      const far = await login(testApp, user.email, codeAt(clock, secret, offset))
      assert.equal(far.json().code, 'totp_invalid', `${offset} steps away`)
    }
    assert.equal((await login(testApp, user.email, codeAt(clock, secret, 1))).statusCode, 200, 'the next step')
    clock.advance(30_000)
    assert.equal(clock().getUTCMinutes(), 0, 'past the hour')
    assert.equal((await login(testApp, user.email, codeAt(clock, secret))).json().code, 'totp_invalid', 'that step again (replay)')
    assert.equal((await login(testApp, user.email, codeAt(clock, secret, -1))).json().code, 'totp_invalid', 'an older step')
    assert.equal((await login(testApp, user.email, codeAt(clock, secret, 1))).statusCode, 200, 'a later step')
  })
}

test('GET /auth/totp tells whether two-factor is on and how many recovery codes are left', async (t) => {
  const testApp = await appAt(t)
  const other = await createUser(testApp.database.db)
  const otherSession = await logIn(testApp.app, other.email)
  const off = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/totp', headers: { cookie: otherSession.cookie } })
  assert.equal(off.statusCode, 200)
  assert.deepEqual(off.json(), { enabled: false, recovery_codes_left: 0 })
  const { user, recoveryCodes } = await withTotp(testApp)
  // A recovery code spent at sign-in leaves nine.
  assert.equal((await login(testApp, user.email, recoveryCodes[0])).statusCode, 200)
  const session = await logIn(testApp.app, user.email).catch(() => undefined)
  assert.equal(session, undefined, 'logIn without a code fails with TOTP on')
  const signedIn = await login(testApp, user.email, recoveryCodes[1])
  const cookie = (signedIn.headers['set-cookie'] as string).split(';')[0] as string
  const on = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/totp', headers: { cookie } })
  assert.deepEqual(on.json(), { enabled: true, recovery_codes_left: 8 })
  assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/totp' })).statusCode, 401)
})

test('recovery codes are replaced with a current code; the old ones stop working', async (t) => {
  const testApp = await appAt(t)
  const { user, secret, headers, recoveryCodes } = await withTotp(testApp)
  const regenerate = (code: string) =>
    testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/recovery-codes', headers, payload: { code } })
  const wrong = await regenerate('123456')
  assert.equal(wrong.statusCode, 400)
  assert.equal(wrong.json().errors[0].field, 'code')
  for (const payload of [{}, { code: '1' }, { code: codeAt(testApp.clock, secret), extra: 1 }]) {
    const bad = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/recovery-codes', headers, payload })
    assert.equal(bad.statusCode, 400, JSON.stringify(payload))
  }
  const fresh = await regenerate(codeAt(testApp.clock, secret, 1))
  assert.equal(fresh.statusCode, 200, fresh.body)
  const codes = fresh.json().recovery_codes as string[]
  assert.equal(codes.length, 10)
  assert.ok(codes.every((code) => !recoveryCodes.includes(code)))
  assert.equal((await login(testApp, user.email, recoveryCodes[0])).json().code, 'totp_invalid', 'an old code no longer works')
  assert.equal((await login(testApp, user.email, codes[0])).statusCode, 200, 'a new one does')
  const { rows } = await sql<{
    event: string
  }>`select event from audit_log where user_id = ${user.id} and event = 'recovery_codes_regenerated'`.execute(testApp.database.db)
  assert.equal(rows.length, 1)
})

test('replacing recovery codes with two-factor off is a 409', async (t) => {
  const testApp = await appAt(t)
  const user = await createUser(testApp.database.db)
  const session = await logIn(testApp.app, user.email)
  const response = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/totp/recovery-codes',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    payload: { code: '123456' },
  })
  assert.equal(response.statusCode, 409)
})
