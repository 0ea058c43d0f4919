import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { sharedTestDatabase } from '../../../../test/db.ts'
import { createUser, logIn, TEST_PASSWORD, uniqueEmail } from '../../../../test/factories.ts'
import { upsertSetting } from '../../settings/settings.queries.ts'
import { signUp as signUpService } from './auth.service.ts'

// Sign-up is off on a new site (issue 10, item 6): these tests sign visitors up, so the file's database allows it.
before(async () => upsertSetting((await sharedTestDatabase()).database.db, 'signup_enabled', true))

const auditEvents = async (t: TestApp, userId: number) =>
  (await sql<{ event: string }>`select event from audit_log where user_id = ${userId} order by id`.execute(t.database.db)).rows.map(
    (r) => r.event,
  )

describe('sign-up', () => {
  const signUp = (testApp: TestApp, payload: Record<string, unknown>) =>
    testApp.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload })

  test('creates an unverified member and answers 202 with a neutral body that shows no account', async (t) => {
    const testApp = await buildTestApp(t)
    const email = uniqueEmail('signup')
    const response = await signUp(testApp, { email, password: 'a fine long passphrase', name: 'Zoë 山田' })
    assert.equal(response.statusCode, 202)
    assert.deepEqual(response.json(), {
      status: 'check_your_email',
      message: 'Check your email: we sent a message to this address. Then sign in.',
    })
    assert.equal(response.headers['set-cookie'], undefined, 'sign-up does not sign in')
    const { rows } = await sql<{ id: number; name: string; role: string; email_verified_at: Date | null }>`
      select id, name, role, email_verified_at from users where email = ${email}`.execute(testApp.database.db)
    assert.equal(rows[0]?.name, 'Zoë 山田')
    assert.equal(rows[0]?.role, 'member')
    assert.equal(rows[0]?.email_verified_at, null)
    assert.deepEqual(await auditEvents(testApp, Number(rows[0]?.id)), ['signup'])
    const session = await logIn(testApp.app, email, 'a fine long passphrase')
    assert.equal(session.user.email_verified, false)
  })

  test('an address that already has an account, in any letter case, gets the same answer; its owner is mailed, the account is untouched', async (t) => {
    const testApp = await buildTestApp(t)
    const { db } = testApp.database
    const existing = await createUser(db, { verified: true, name: 'Owner' })
    const fresh = await signUp(testApp, { email: uniqueEmail('new'), password: 'another fine passphrase', name: 'B' })
    const taken = await signUp(testApp, { email: existing.email.toUpperCase(), password: 'another fine passphrase', name: 'Mallory' })
    assert.equal(taken.statusCode, fresh.statusCode)
    assert.equal(taken.body, fresh.body)
    assert.deepEqual(
      Object.keys(taken.headers)
        .filter((h) => !['date', 'x-request-id'].includes(h))
        .sort(),
      Object.keys(fresh.headers)
        .filter((h) => !['date', 'x-request-id'].includes(h))
        .sort(),
    )
    const { rows: users } = await sql<{
      n: number
    }>`select count(*)::int as n from users where lower(email) = lower(${existing.email})`.execute(db)
    assert.equal(users[0]?.n, 1)
    await logIn(testApp.app, existing.email, TEST_PASSWORD)
    const { rows: jobs } = await sql<{ payload: { template: string; to: string; data: Record<string, unknown> } }>`
      select payload from jobs where name = 'mail.send' and payload->>'to' = ${existing.email} order by id`.execute(db)
    assert.equal(jobs.length, 1)
    assert.equal(jobs[0]?.payload.template, 'users.signup_existing')
    assert.ok(!JSON.stringify(jobs[0]?.payload).includes('Mallory'), 'nothing the visitor typed')
    const { rows: tokens } = await sql<{ n: number }>`
      select count(*)::int as n from one_time_tokens where user_id = ${existing.id}`.execute(db)
    assert.equal(tokens[0]?.n, 0, 'no verification link for the existing account')
    assert.deepEqual(await auditEvents(testApp, existing.id), ['signup_existing_address', 'login_ok'])
  })

  test('repeated sign-ups with a known address get the same answer but mail its owner once per cooldown', async (t) => {
    const testApp = await buildTestApp(t)
    const existing = await createUser(testApp.database.db, { verified: true })
    for (let i = 0; i < 3; i++) {
      const response = await signUp(testApp, { email: existing.email, password: 'another fine passphrase', name: 'Again' })
      assert.equal(response.statusCode, 202)
      assert.equal(response.json().status, 'check_your_email')
    }
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from jobs where name = 'mail.send' and payload->>'to' = ${existing.email}`.execute(testApp.database.db)
    assert.equal(rows[0]?.n, 1)
  })

  test('the verification mail to a new address carries no display name (it is not verified)', async (t) => {
    const testApp = await buildTestApp(t)
    const email = uniqueEmail('quiet')
    assert.equal((await signUp(testApp, { email, password: 'a fine long passphrase', name: 'Hello from Mallory' })).statusCode, 202)
    const { rows } = await sql<{ payload: { template: string; data: Record<string, unknown> } }>`
      select payload from jobs where name = 'mail.send' and payload->>'to' = ${email}`.execute(testApp.database.db)
    assert.equal(rows[0]?.payload.template, 'users.verify_email')
    assert.ok(!JSON.stringify(rows[0]?.payload).includes('Mallory'))
  })

  test('refuses with 403 when sign-up is turned off', async (t) => {
    const { app, database } = await buildTestApp(t, { privateDatabase: true })
    await upsertSetting(database.db, 'signup_enabled', false)
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: uniqueEmail(), password: 'a fine long passphrase', name: 'C' },
    })
    assert.equal(response.statusCode, 403)
  })

  const bad: [string, Record<string, unknown>, string][] = [
    ['an invalid email', { email: 'not-an-email', password: 'a fine long passphrase', name: 'A' }, 'email'],
    ['a password of 7 characters', { email: 'x@example.com', password: 'short12', name: 'A' }, 'password'],
    ['a password of 257 characters', { email: 'x@example.com', password: 'p'.repeat(257), name: 'A' }, 'password'],
    ['a common password', { email: 'x@example.com', password: 'password1', name: 'A' }, 'password'],
    ['an empty name', { email: 'x@example.com', password: 'a fine long passphrase', name: '' }, 'name'],
    ['a blank name', { email: 'x@example.com', password: 'a fine long passphrase', name: '   ' }, 'name'],
    ['a name of 101 characters', { email: 'x@example.com', password: 'a fine long passphrase', name: 'n'.repeat(101) }, 'name'],
    ['a name with a line break', { email: 'x@example.com', password: 'a fine long passphrase', name: 'Ann\nBank notice' }, 'name'],
    ['a name with CR LF', { email: 'x@example.com', password: 'a fine long passphrase', name: 'Ann\r\nX' }, 'name'],
    ['a name with a tab', { email: 'x@example.com', password: 'a fine long passphrase', name: 'Ann\tX' }, 'name'],
    ['a name with a NUL', { email: 'x@example.com', password: 'a fine long passphrase', name: 'Ann\u0000' }, 'name'],
    [
      'a name with an https link',
      { email: 'x@example.com', password: 'a fine long passphrase', name: 'Visit https://evil.example' },
      'name',
    ],
    ['a name with a bare domain', { email: 'x@example.com', password: 'a fine long passphrase', name: 'win at evil.com' }, 'name'],
    ['a name with www.', { email: 'x@example.com', password: 'a fine long passphrase', name: 'see www.evil' }, 'name'],
    ['a name with a path link', { email: 'x@example.com', password: 'a fine long passphrase', name: 'evil.io/login' }, 'name'],
    ['a number for a name', { email: 'x@example.com', password: 'a fine long passphrase', name: 42 }, 'name'],
    ['an object for a password', { email: 'x@example.com', password: { $gt: '' }, name: 'A' }, 'password'],
    ['a missing email', { password: 'a fine long passphrase', name: 'A' }, 'email'],
    ['a role (mass assignment)', { email: 'x@example.com', password: 'a fine long passphrase', name: 'A', role: 'admin' }, 'role'],
    [
      'an email_verified flag',
      { email: 'x@example.com', password: 'a fine long passphrase', name: 'A', email_verified: true },
      'email_verified',
    ],
  ]
  for (const [name, payload, field] of bad) {
    test(`${name} is a 400 naming ${field}, and no account is created`, async (t) => {
      const { app, database } = await buildTestApp(t)
      const response = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload })
      assert.equal(response.statusCode, 400, response.body)
      assert.ok(
        (response.json().errors as { field: string }[]).some((e) => e.field === field),
        response.body,
      )
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where lower(email) = 'x@example.com'`.execute(
        database.db,
      )
      assert.equal(rows[0]?.n, 0)
    })
  }
})

describe('login and sessions', () => {
  test('sets an HttpOnly, SameSite=Lax session cookie; /me answers the user', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const { setCookie, cookie } = await logIn(app, user.email)
    assert.match(setCookie, /^plinth_session=[A-Za-z0-9_-]{43}; /)
    assert.match(setCookie, /HttpOnly/)
    assert.match(setCookie, /SameSite=Lax/)
    assert.match(setCookie, /Path=\//)
    assert.doesNotMatch(setCookie, /Secure/, 'plain http in tests')
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })
    assert.equal(me.statusCode, 200)
    assert.equal(me.json().id, user.id)
  })

  test('the cookie is Secure when the public URL is https', async (t) => {
    const { app, database } = await buildTestApp(t, { env: { PUBLIC_URL: 'https://example.com' } })
    const user = await createUser(database.db)
    const { setCookie } = await logIn(app, user.email)
    assert.match(setCookie, /Secure/)
  })

  test('an unknown email and a wrong password get the same 401 body', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const wrongPassword = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'not the password' },
    })
    const unknownEmail = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: uniqueEmail('nobody'), password: 'not the password' },
    })
    assert.equal(wrongPassword.statusCode, 401)
    assert.equal(unknownEmail.statusCode, 401)
    const strip = (body: Record<string, unknown>) => ({ ...body, request_id: undefined })
    assert.deepEqual(strip(wrongPassword.json()), strip(unknownEmail.json()))
    assert.equal(wrongPassword.json().detail, 'Wrong email or password.')
  })

  test('every login opens a new session id (no fixation), and a planted cookie is ignored', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const planted = 'plinth_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const first = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { cookie: planted },
      payload: { email: user.email, password: TEST_PASSWORD },
    })
    const second = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } })
    const token = (r: typeof first) => (r.headers['set-cookie'] as string).split(';')[0]
    assert.notEqual(token(first), planted)
    assert.notEqual(token(first), token(second))
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: planted } })).statusCode, 401)
  })

  test('logout revokes the session on the server', async (t) => {
    const testApp = await buildTestApp(t)
    const { app, database } = testApp
    const user = await createUser(database.db)
    const { cookie, csrf } = await logIn(app, user.email)
    const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': csrf } })
    assert.equal(out.statusCode, 204)
    assert.match(out.headers['set-cookie'] as string, /plinth_session=;.*Expires=Thu, 01 Jan 1970/)
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode, 401)
    assert.deepEqual(await auditEvents(testApp, user.id), ['login_ok', 'logout'])
  })

  test('without a session, /me and logout answer 401', async (t) => {
    const { app } = await buildTestApp(t)
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode, 401)
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode, 401)
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/csrf' })).statusCode, 401)
  })

  test('a disabled account cannot log in, and its sessions stop working', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const { cookie } = await logIn(app, user.email)
    await sql`update users set disabled_at = now() where id = ${user.id}`.execute(database.db)
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode, 401)
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } })
    assert.equal(login.statusCode, 403)
    assert.equal(login.json().code, 'account_disabled')
  })

  for (const [index, start] of TRICKY_HOURS.entries()) {
    test(`at ${start}: after 10 failures in a row an account is locked for 15 minutes: 429 with Retry-After, even with the right password`, async (t) => {
      const clock = testClock(start)
      const testApp = await buildTestApp(t, { clock })
      const { app, database } = testApp
      const user = await createUser(database.db)
      // An address of its own, so that the per-IP limit of other tests in this file plays no part.
      const login = (password: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: `192.0.2.${10 + index}`,
          payload: { email: user.email, password },
        })
      for (let i = 0; i < 9; i++) assert.equal((await login(`wrong ${i}`)).statusCode, 401)
      clock.advance(24 * 3600_000)
      for (let i = 0; i < 9; i++) assert.equal((await login(`wrong again ${i}`)).statusCode, 401, 'a day later the count starts again')
      clock.advance(60_000)
      assert.equal((await login('the tenth in a row')).statusCode, 401)
      const locked = await login(TEST_PASSWORD)
      assert.equal(locked.statusCode, 429)
      assert.equal(locked.headers['retry-after'], '900')
      clock.advance(15 * 60_000 - 1000)
      const still = await login(TEST_PASSWORD)
      assert.equal(still.statusCode, 429, 'a second before the lock ends')
      assert.equal(still.headers['retry-after'], '1')
      clock.advance(1000)
      assert.equal((await login(TEST_PASSWORD)).statusCode, 200, 'the lock has ended')
      const events = await auditEvents(testApp, user.id)
      assert.equal(events.filter((e) => e === 'login_failed').length, 19)
      assert.equal(events.filter((e) => e === 'login_ok').length, 1)
    })
  }
})

describe('login input', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['an email of 255 characters', { email: `${'e'.repeat(243)}@example.com`, password: 'whatever it is' }, 'email'],
    ['an empty password', { email: 'a@example.com', password: '' }, 'password'],
    ['a password of 257 characters', { email: 'a@example.com', password: 'p'.repeat(257) }, 'password'],
    ['an array for an email', { email: ['a@example.com'], password: 'whatever it is' }, 'email'],
    ['null for a password', { email: 'a@example.com', password: null }, 'password'],
    ['a missing password', { email: 'a@example.com' }, 'password'],
  ]
  for (const [name, payload, field] of bad) {
    test(`${name} is a 400 naming ${field}`, async (t) => {
      const { app } = await buildTestApp(t)
      const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload })
      assert.equal(response.statusCode, 400, response.body)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        response.body,
      )
    })
  }

  test('a unicode password and name work; an internationalised address is refused with a 400 for now', async (t) => {
    const { app } = await buildTestApp(t)
    const email = uniqueEmail('unicode')
    const password = 'пароль 密码 🔐 długie hasło'
    const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email, password, name: 'Zoë 山田' } })
    assert.equal(signup.statusCode, 202, signup.body)
    await logIn(app, email, password)
    const idn = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'zoë@exämple.com', password, name: 'Zoë' },
    })
    assert.equal(idn.statusCode, 400)
    assert.equal(idn.json().errors[0].field, 'email')
  })
})

describe('CSRF', () => {
  test('a cookie-authenticated write needs the session CSRF token and the same origin', async (t) => {
    const { app, database, config } = await buildTestApp(t)
    const user = await createUser(database.db)
    const { cookie, csrf } = await logIn(app, user.email)
    const patch = (headers: Record<string, string>) =>
      app.inject({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        payload: { name: 'Renamed' },
      })
    assert.equal((await patch({})).statusCode, 403, 'no token')
    assert.equal((await patch({ 'x-csrf-token': 'x'.repeat(43) })).statusCode, 403, 'wrong token')
    assert.equal((await patch({ 'x-csrf-token': csrf, origin: 'https://evil.example' })).statusCode, 403, 'other origin')
    assert.equal((await patch({ 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).statusCode, 403, 'cross-site fetch')
    const ok = await patch({ 'x-csrf-token': csrf, origin: new URL(config.publicUrl).origin, 'sec-fetch-site': 'same-origin' })
    assert.equal(ok.statusCode, 200)
    assert.equal(ok.json().name, 'Renamed')
  })

  test('login from another origin is refused', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: 'https://evil.example' },
      payload: { email: user.email, password: TEST_PASSWORD },
    })
    assert.equal(response.statusCode, 403)
  })
})

describe('PATCH /api/v1/auth/me', () => {
  test('role, id and email_verified cannot be set', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const { cookie, csrf } = await logIn(app, user.email)
    for (const payload of [{ role: 'admin' }, { id: 1 }, { email_verified: true }, { name: 'X', role: 'admin' }]) {
      const response = await app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie, 'x-csrf-token': csrf }, payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
    }
    const { rows } = await sql<{ role: string; name: string }>`select role, name from users where id = ${user.id}`.execute(database.db)
    assert.deepEqual(rows[0], { role: 'member', name: 'Test User' })
  })

  test('a new password needs the current one, ends every session, and this one goes on under a new cookie', async (t) => {
    const testApp = await buildTestApp(t)
    const { app, database } = testApp
    const user = await createUser(database.db)
    const here = await logIn(app, user.email)
    const elsewhere = await logIn(app, user.email)
    const patch = (payload: Record<string, unknown>) =>
      app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie: here.cookie, 'x-csrf-token': here.csrf }, payload })

    const missing = await patch({ password: 'a brand new passphrase' })
    assert.equal(missing.statusCode, 400)
    assert.equal(missing.json().errors[0].field, 'current_password')
    const wrong = await patch({ password: 'a brand new passphrase', current_password: 'nope nope' })
    assert.equal(wrong.statusCode, 400)
    const common = await patch({ password: 'iloveyou', current_password: TEST_PASSWORD })
    assert.equal(common.statusCode, 400)

    const changed = await patch({ password: 'a brand new passphrase', current_password: TEST_PASSWORD })
    assert.equal(changed.statusCode, 200)
    const renewed = (changed.headers['set-cookie'] as string).split(';')[0] as string
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: renewed } })).statusCode, 200)
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: here.cookie } })).statusCode, 401)
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: elsewhere.cookie } })).statusCode, 401)
    await logIn(app, user.email, 'a brand new passphrase')
    assert.ok((await auditEvents(testApp, user.id)).includes('password_changed'))
  })

  test('a display name with a line break or a link is a 400 naming name, and the name stays', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db, { name: 'Kept Name' })
    const { cookie, csrf } = await logIn(app, user.email)
    for (const name of ['Two\nlines', 'Line\u2028separator', 'go to http://x.example', 'www.example', 'shop.example/deal', 'Dr.Smith']) {
      const response = await app.inject({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { name },
      })
      assert.equal(response.statusCode, 400, JSON.stringify(name))
      assert.equal(response.json().errors[0].field, 'name', JSON.stringify(name))
    }
    for (const name of ['Dr. Smith', 'J.R.R. Tolkien', 'Anne-Marie O’Neil', 'Zoë 山田', 'v1.2 fan']) {
      const response = await app.inject({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { name },
      })
      assert.equal(response.statusCode, 200, JSON.stringify(name))
    }
  })

  test('the services check display names too, not only the HTTP schema', async (t) => {
    const { database, config } = await buildTestApp(t)
    const meta = { ip: '127.0.0.1', userAgent: undefined }
    await assert.rejects(
      signUpService(
        database.db,
        { email: uniqueEmail(), password: 'a fine long passphrase', name: 'a\nb' },
        meta,
        config.publicUrl,
        new Date(),
      ),
      (error: { status: number; fields: { field: string }[] }) => error.status === 400 && error.fields[0]?.field === 'name',
    )
  })

  test('a new email needs the current password, unverifies the address and is audited', async (t) => {
    const testApp = await buildTestApp(t)
    const { app, database } = testApp
    const user = await createUser(database.db)
    const taken = await createUser(database.db)
    const { cookie, csrf } = await logIn(app, user.email)
    const patch = (payload: Record<string, unknown>) =>
      app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie, 'x-csrf-token': csrf }, payload })
    assert.equal((await patch({ email: uniqueEmail() })).statusCode, 400)
    assert.equal((await patch({ email: taken.email, current_password: TEST_PASSWORD })).statusCode, 409)
    const email = uniqueEmail('moved')
    const moved = await patch({ email, current_password: TEST_PASSWORD })
    assert.equal(moved.statusCode, 200)
    assert.equal(moved.json().email, email)
    assert.equal(moved.json().email_verified, false)
    assert.ok((await auditEvents(testApp, user.id)).includes('email_changed'))
  })
})
