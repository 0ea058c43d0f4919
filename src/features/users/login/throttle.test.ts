import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { describe, test } from 'node:test'
import * as OTPAuth from 'otpauth'
import { type Db, sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../../test/app.ts'
import { testClock } from '../../../../test/clock.ts'
import { createUser, TEST_PASSWORD } from '../../../../test/factories.ts'
import type { App } from '../../../app.ts'
import { LOGIN_LIMITS } from './throttle.ts'

// Every test uses addresses of its own (the file shares one database).
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`

const login = (app: App, email: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, headers, payload: { email, password } })

const sessionFrom = async (app: App, email: string, remoteAddress: string) => {
  const response = await login(app, email, TEST_PASSWORD, remoteAddress)
  assert.equal(response.statusCode, 200, response.body)
  const cookie = (response.headers['set-cookie'] as string).split(';')[0] as string
  const csrf = (await app.inject({ method: 'GET', url: '/api/v1/auth/csrf', remoteAddress, headers: { cookie } })).json().token as string
  return { cookie, csrf }
}

const auditIps = async (db: Db, userId: number) =>
  (await sql<{ event: string; ip: string }>`select event, ip from audit_log where user_id = ${userId} order by id`.execute(db)).rows

const throttleKeys = async (db: Db, like: string) =>
  (await sql<{ key: string }>`select key from login_throttle where key like ${like} order by key`.execute(db)).rows.map((r) => r.key)

describe('TRUST_PROXY: the client address behind a proxy', () => {
  test('unset: X-Forwarded-For is ignored; the socket address keys the limits and goes into the audit log', async (t) => {
    const { app, database } = await buildTestApp(t)
    const user = await createUser(database.db)
    const proxy = randomIp()
    const client = randomIp()
    assert.equal((await login(app, user.email, 'wrong password', proxy, { 'x-forwarded-for': client })).statusCode, 401)
    assert.equal((await login(app, user.email, TEST_PASSWORD, proxy, { 'x-forwarded-for': client })).statusCode, 200)
    assert.deepEqual(await auditIps(database.db, user.id), [
      { event: 'login_failed', ip: proxy },
      { event: 'login_ok', ip: proxy },
    ])
    assert.deepEqual(await throttleKeys(database.db, `login:ip:${client}`), [])
    assert.deepEqual(await throttleKeys(database.db, `login:ip:${proxy}`), [`login:ip:${proxy}`])
  })

  test('set: the address X-Forwarded-For names is the client when the request comes from a listed proxy, and only then', async (t) => {
    const proxy = randomIp()
    const { app, database } = await buildTestApp(t, { env: { TRUST_PROXY: `127.0.0.1,${proxy}` } })
    const user = await createUser(database.db)
    const client = randomIp()
    const spoofed = randomIp()
    const direct = randomIp()
    // nginx appends the address it saw to what the client sent: the last untrusted entry is the client.
    assert.equal((await login(app, user.email, 'wrong password', proxy, { 'x-forwarded-for': `${spoofed}, ${client}` })).statusCode, 401)
    assert.equal((await login(app, user.email, TEST_PASSWORD, proxy, { 'x-forwarded-for': client })).statusCode, 200)
    // A caller that is not a listed proxy cannot choose its address.
    assert.equal((await login(app, user.email, 'wrong again', direct, { 'x-forwarded-for': spoofed })).statusCode, 401)
    assert.deepEqual(await auditIps(database.db, user.id), [
      { event: 'login_failed', ip: client },
      { event: 'login_ok', ip: client },
      { event: 'login_failed', ip: direct },
    ])
    assert.deepEqual(await throttleKeys(database.db, `login:ip:${client}`), [`login:ip:${client}`])
    assert.deepEqual(await throttleKeys(database.db, `login:ip:${direct}`), [`login:ip:${direct}`])
    assert.deepEqual(await throttleKeys(database.db, `login:ip:${spoofed}`), [])
    assert.deepEqual(await throttleKeys(database.db, `login:ip:${proxy}`), [])
  })
})

describe('login limits (decision 0015)', () => {
  test('an attacker failing 50 times at one address against several accounts stops neither the owner elsewhere nor a colleague at that address', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const victims = await Promise.all(Array.from({ length: 5 }, () => createUser(database.db)))
    const colleague = await createUser(database.db)
    const office = randomIp()
    const home = randomIp()
    for (let i = 0; i < LOGIN_LIMITS.ip.limit; i++) {
      const victim = victims[i % victims.length] as (typeof victims)[number]
      const response = await login(app, victim.email, `guess ${i}`, office)
      assert.equal(response.statusCode, 401, `guess ${i}`)
      clock.advance(1000)
    }
    // Each victim now has 10 failures from the office (its pair is locked); the office's address is locked.
    const refused = await login(app, victims[0]?.email as string, 'one more guess', office)
    assert.equal(refused.statusCode, 429)
    assert.ok(Number(refused.headers['retry-after']) > 0)
    assert.equal((await login(app, `nobody-${randomInt(1e9)}@example.com`, 'a guess', office)).statusCode, 429, 'unknown accounts too')
    assert.equal((await login(app, colleague.email, 'a guess', office)).statusCode, 429, 'a wrong guess on a fresh account: refused')
    const colleague2 = await createUser(database.db)
    assert.equal((await login(app, colleague2.email, TEST_PASSWORD, office)).statusCode, 200, 'a colleague with no failures of their own')
    assert.equal((await login(app, victims[1]?.email as string, TEST_PASSWORD, home)).statusCode, 200, 'the owner from home')
    assert.equal((await login(app, victims[1]?.email as string, TEST_PASSWORD, office)).statusCode, 429, 'the locked pair stays locked')
    clock.advance(LOGIN_LIMITS.pair.lockMs)
    assert.equal((await login(app, victims[1]?.email as string, TEST_PASSWORD, office)).statusCode, 200, 'after the lock')
  })

  test('every spelling of an address shares one counter (the account is counted by its id)', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    const ip = randomIp()
    const spellings = [
      user.email.toUpperCase(),
      user.email.replace('@example.com', '@EXAMPLE.com'),
      `${user.email[0]?.toUpperCase()}${user.email.slice(1)}`,
    ]
    for (let i = 0; i < LOGIN_LIMITS.pair.limit; i++) {
      assert.equal((await login(app, spellings[i % spellings.length] as string, `wrong ${i}`, ip)).statusCode, 401)
    }
    for (const spelling of [user.email, ...spellings]) {
      assert.equal((await login(app, spelling, TEST_PASSWORD, ip)).statusCode, 429, spelling)
    }
    assert.deepEqual(await throttleKeys(database.db, `login:pair:%:${ip}`), [`login:pair:user:${user.id}:${ip}`])
  })

  test('an account locked by guesses from many addresses still lets its owner in from an address they signed in from before, not from a new one', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    const home = randomIp()
    await sessionFrom(app, user.email, home)
    const base = `172.${16 + randomInt(16)}.${randomInt(256)}`
    for (let i = 0; i < LOGIN_LIMITS.account.limit; i++) {
      // 4 guesses per address: no pair and no address reaches its own limit.
      assert.equal((await login(app, user.email, `guess ${i}`, `${base}.${1 + Math.floor(i / 4)}`)).statusCode, 401, `guess ${i}`)
    }
    const fresh = randomIp()
    const fromNew = await login(app, user.email, TEST_PASSWORD, fresh)
    assert.equal(fromNew.statusCode, 429, 'a right password from a new address waits for the lock')
    assert.equal(fromNew.headers['retry-after'], String(LOGIN_LIMITS.account.lockMs / 1000))
    assert.equal((await login(app, user.email, 'another guess', `${base}.200`)).statusCode, 429, 'guesses are refused')
    assert.equal((await login(app, user.email, TEST_PASSWORD, home)).statusCode, 200, 'the owner from home')
    clock.advance(LOGIN_LIMITS.account.lockMs)
    assert.equal((await login(app, user.email, TEST_PASSWORD, fresh)).statusCode, 200, 'after the lock')
  })
})

describe('secrets checked outside login count against the same limits', () => {
  test('a wrong current password on PATCH /auth/me counts, and is refused with 429 while the account is locked', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    const ip = randomIp()
    const { cookie, csrf } = await sessionFrom(app, user.email, ip)
    const patch = (current_password: string) =>
      app.inject({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        remoteAddress: ip,
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { password: 'a brand new long passphrase', current_password },
      })
    for (let i = 0; i < LOGIN_LIMITS.pair.limit - 1; i++) {
      const wrong = await patch(`wrong ${i}`)
      assert.equal(wrong.statusCode, 400)
      assert.deepEqual(wrong.json().errors, [{ field: 'current_password', in: 'body', message: 'is wrong' }])
    }
    // The tenth failure is a login's: both count together.
    assert.equal((await login(app, user.email, 'wrong at login', ip)).statusCode, 401)
    const locked = await patch(TEST_PASSWORD)
    assert.equal(locked.statusCode, 429)
    assert.equal(locked.headers['retry-after'], String(LOGIN_LIMITS.pair.lockMs / 1000))
    const { rows } = await sql<{ password_hash: string }>`select password_hash from users where id = ${user.id}`.execute(database.db)
    assert.equal(rows[0]?.password_hash, user.password_hash, 'nothing changed')
    clock.advance(LOGIN_LIMITS.pair.lockMs)
    assert.equal((await patch(TEST_PASSWORD)).statusCode, 200)
  })

  test('TOTP: wrong codes after the right password count (at login and when turning it off), and the locked pair refuses both', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    const ip = randomIp()
    const { cookie, csrf } = await sessionFrom(app, user.email, ip)
    const headers = { cookie, 'x-csrf-token': csrf }
    const { secret } = (await app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup', remoteAddress: ip, headers })).json()
    const code = () => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: clock().getTime() })
    const enable = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/enable',
      remoteAddress: ip,
      headers,
      payload: { code: code() },
    })
    assert.equal(enable.statusCode, 200, enable.body)
    clock.advance(30_000)
    const wrongCode = (totp_code: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: ip,
        payload: { email: user.email, password: TEST_PASSWORD, totp_code },
      })
    const disable = (password: string, totpCode: string) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/totp/disable', remoteAddress: ip, headers, payload: { password, code: totpCode } })
    for (let i = 0; i < 5; i++) assert.equal((await wrongCode(`00000${i}`)).json().code, 'totp_invalid')
    for (let i = 0; i < 4; i++) {
      const response = await disable(TEST_PASSWORD, `11111${i}`)
      assert.equal(response.statusCode, 400)
      assert.equal(response.json().errors[0].field, 'code')
    }
    assert.equal((await disable('a wrong password', code())).statusCode, 400, 'the tenth failure: a wrong password')
    const refused = await disable(TEST_PASSWORD, code())
    assert.equal(refused.statusCode, 429)
    assert.equal(refused.headers['retry-after'], String(LOGIN_LIMITS.pair.lockMs / 1000))
    assert.equal((await wrongCode(code())).statusCode, 429, 'login from that address too')
    const { rows } = await sql<{ on: boolean }>`select totp_enabled_at is not null as on from users where id = ${user.id}`.execute(
      database.db,
    )
    assert.equal(rows[0]?.on, true, 'two-factor is still on')
    clock.advance(LOGIN_LIMITS.pair.lockMs)
    assert.equal((await disable(TEST_PASSWORD, code())).statusCode, 204)
  })
})
