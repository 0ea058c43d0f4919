import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import * as OTPAuth from 'otpauth'
import type { Clock } from '#core/clock.ts'
import { type ConfigError, parseConfig } from '#core/config.ts'
import { sql } from '#core/db/database.ts'
import { createSecretBox, keyIdOf, parseSecretKey, secretBoxFor } from '#core/security/secret-box.ts'
import { buildTestApp, TEST_SECRET_KEY, type TestApp } from '../../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../../test/clock.ts'
import { createUser, logIn, TEST_PASSWORD } from '../../../../test/factories.ts'
import { resealTotpSecrets } from './two-factor.ts'

/**
 * Issue 9, item 10: TOTP secrets are stored sealed with SECRET_KEY (AES-256-GCM,
 * with the key's id), rotate by sealing again, and a wrong key fails clearly.
 */
const codeAt = (clock: Clock, secret: string, offsetSteps = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: clock().getTime() + offsetSteps * 30_000 })

const OTHER_KEY = 'a1b2'.repeat(16)
const keyId = (hex: string) => keyIdOf(Buffer.from(hex, 'hex'))

const appWith = (t: Parameters<typeof buildTestApp>[0], clock: Clock, env: Record<string, string> = {}) => buildTestApp(t, { clock, env })

async function withTotp(testApp: TestApp, clock: Clock) {
  const user = await createUser(testApp.database.db)
  const session = await logIn(testApp.app, user.email)
  const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf }
  const setup = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup', headers })
  assert.equal(setup.statusCode, 200, setup.body)
  const { secret } = setup.json() as { secret: string }
  const enabled = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/totp/enable',
    headers,
    payload: { code: codeAt(clock, secret) },
  })
  assert.equal(enabled.statusCode, 200, enabled.body)
  return { user, secret }
}

const login = (testApp: TestApp, email: string, totp_code: string) =>
  testApp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD, totp_code } })

const storedSecret = async (testApp: TestApp, userId: number) =>
  (await sql<{ totp_secret: string }>`select totp_secret from users where id = ${userId}`.execute(testApp.database.db)).rows[0]
    ?.totp_secret as string

describe('TOTP secrets at rest', () => {
  test('the stored secret is sealed with SECRET_KEY, not the base32 secret, and sign-in with a code still works', async (t) => {
    const clock = testClock(TRICKY_HOURS[0])
    const testApp = await appWith(t, clock)
    const { user, secret } = await withTotp(testApp, clock)
    const stored = await storedSecret(testApp, user.id)
    assert.notEqual(stored, secret)
    assert.ok(!stored.includes(secret), stored)
    assert.match(stored, new RegExp(`^v1:${keyId(TEST_SECRET_KEY)}:[A-Za-z0-9_-]+$`))
    const twice = createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex'))
    assert.notEqual(twice.seal(secret), twice.seal(secret), 'a fresh IV each time')
    assert.equal((await login(testApp, user.email, codeAt(clock, secret, 1))).statusCode, 200)
  })

  test('a secret stored in clear (before sealing) still signs in, and is sealed on that first use', async (t) => {
    const clock = testClock(TRICKY_HOURS[1])
    const testApp = await appWith(t, clock)
    const { user, secret } = await withTotp(testApp, clock)
    await sql`update users set totp_secret = ${secret} where id = ${user.id}`.execute(testApp.database.db)
    assert.equal((await login(testApp, user.email, codeAt(clock, secret, 1))).statusCode, 200)
    const stored = await storedSecret(testApp, user.id)
    assert.match(stored, /^v1:/)
    assert.ok(!stored.includes(secret))
  })

  test('a server with another key refuses the code with a clear error in the log, and changes nothing', async (t) => {
    const clock = testClock(TRICKY_HOURS[0])
    const { user, secret } = await withTotp(await appWith(t, clock), clock)
    const other = await appWith(t, clock, { SECRET_KEY: OTHER_KEY })
    const before = await storedSecret(other, user.id)
    const response = await login(other, user.email, codeAt(clock, secret, 1))
    assert.equal(response.statusCode, 500)
    assert.ok(!response.body.includes(keyId(TEST_SECRET_KEY)), 'the key ids stay in the log')
    const err = other.logs().find((line) => line.err !== undefined)?.err as { name: string; message: string }
    assert.equal(err.name, 'SecretKeyError')
    assert.match(
      err.message,
      new RegExp(`sealed with key ${keyId(TEST_SECRET_KEY)}.*SECRET_KEY is key ${keyId(OTHER_KEY)}.*SECRET_KEY_PREVIOUS`),
    )
    assert.equal(await storedSecret(other, user.id), before)
  })

  test('rotation: with SECRET_KEY_PREVIOUS the old secrets open and are sealed again with the new key', async (t) => {
    const clock = testClock(TRICKY_HOURS[1])
    const old = await appWith(t, clock)
    const lazy = await withTotp(old, clock)
    const bulk = await withTotp(old, clock)
    const rotating = await appWith(t, clock, { SECRET_KEY: OTHER_KEY, SECRET_KEY_PREVIOUS: TEST_SECRET_KEY })
    // Used during the rotation: sealed again on use.
    assert.equal((await login(rotating, lazy.user.email, codeAt(clock, lazy.secret, 1))).statusCode, 200)
    assert.match(await storedSecret(rotating, lazy.user.id), new RegExp(`^v1:${keyId(OTHER_KEY)}:`))
    // The rest: `plinth secrets rotate`.
    const result = await resealTotpSecrets(rotating.deps.db, rotating.deps.secrets)
    assert.ok(result.resealed >= 1)
    assert.match(await storedSecret(rotating, bulk.user.id), new RegExp(`^v1:${keyId(OTHER_KEY)}:`))
    assert.deepEqual(await resealTotpSecrets(rotating.deps.db, rotating.deps.secrets), { resealed: 0, total: result.total })
    // The previous key can go now.
    const rotated = await appWith(t, clock, { SECRET_KEY: OTHER_KEY })
    assert.equal((await login(rotated, bulk.user.email, codeAt(clock, bulk.secret, 1))).statusCode, 200)
  })

  test('a tampered sealed value does not open', () => {
    const box = createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex'))
    const sealed = box.seal('JBSWY3DPEHPK3PXP')
    assert.equal(box.open(sealed), 'JBSWY3DPEHPK3PXP')
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.at(-1)}`
    assert.throws(() => box.open(flipped), { name: 'SecretKeyError', message: /does not open/ })
  })
})

describe('SECRET_KEY configuration', () => {
  test('SECRET_KEY takes 64 hex digits or base64 of 32 bytes; anything else is a configuration error', () => {
    assert.equal(parseSecretKey(randomBytes(32).toString('base64'))?.length, 32)
    assert.equal(parseSecretKey(TEST_SECRET_KEY)?.length, 32)
    for (const bad of ['short', randomBytes(16).toString('base64'), 'g'.repeat(64), randomBytes(48).toString('base64')]) {
      assert.throws(
        () => parseConfig({ SECRET_KEY: bad }),
        (error: ConfigError) => /^SECRET_KEY must be 32 bytes/.test(error.problems[0] ?? ''),
      )
    }
    assert.throws(
      () => parseConfig({ SECRET_KEY: TEST_SECRET_KEY, SECRET_KEY_PREVIOUS: 'nope' }),
      (error: ConfigError) => /^SECRET_KEY_PREVIOUS must be/.test(error.problems[0] ?? ''),
    )
  })

  test('PostgreSQL needs SECRET_KEY; PGlite without one makes DATA_DIR/secret.key (mode 0600) once and keeps it', (t) => {
    assert.throws(
      () => parseConfig({ DATABASE_URL: 'postgres://db/plinth' }),
      (error: ConfigError) => error.problems.some((p) => /^SECRET_KEY is required with DATABASE_URL/.test(p)),
    )
    assert.equal(parseConfig({ DATABASE_URL: 'postgres://db/plinth', SECRET_KEY: TEST_SECRET_KEY }).secretKey?.length, 32)

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-key-'))
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
    const config = parseConfig({ DATA_DIR: path.join(dataDir, 'site') })
    assert.equal(config.secretKey, undefined)
    const first = secretBoxFor(config)
    const file = path.join(dataDir, 'site', 'secret.key')
    assert.equal(fs.statSync(file).mode & 0o777, 0o600)
    const sealed = first.seal('JBSWY3DPEHPK3PXP')
    const again = secretBoxFor(config)
    assert.equal(again.keyId, first.keyId)
    assert.equal(again.open(sealed), 'JBSWY3DPEHPK3PXP')
    fs.writeFileSync(file, 'not a key\n')
    assert.throws(() => secretBoxFor(config), { name: 'SecretKeyError', message: /secret\.key does not hold a key/ })
  })
})
