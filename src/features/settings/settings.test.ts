import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, test } from 'node:test'
import { latestChangeId, readChangesAfter } from '#core/changes/changes.ts'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn, uniqueEmail } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'
import { upsertSetting } from './settings.queries.ts'
import { isSignupEnabled, updateSettings } from './settings.service.ts'

test('GET /api/v1/site answers the site information from the database, the currency of prices included', async (t) => {
  const { app, database } = await buildTestApp(t)
  const first = await app.inject({ method: 'GET', url: '/api/v1/site' })
  assert.equal(first.statusCode, 200)
  assert.deepEqual(first.json(), {
    title: 'My Plinth site',
    description: 'A new website built on Plinth.',
    language: 'en',
    currency: 'EUR',
  })

  await updateSettings(database.db, null, { title: 'Bakery Rosa', language: 'it', currency: 'JPY' }, { ip: 'test', userAgent: undefined })
  const second = await app.inject({ method: 'GET', url: '/api/v1/site' })
  assert.deepEqual(second.json(), { title: 'Bakery Rosa', description: 'A new website built on Plinth.', language: 'it', currency: 'JPY' })
})

type Headers = Record<string, string>

async function signedIn(testApp: TestApp, role: Role): Promise<Headers> {
  const user = await createUser(testApp.deps.db, { role, verified: true })
  const session = await logIn(testApp.app, user.email)
  return { cookie: session.cookie, 'x-csrf-token': session.csrf }
}

const DEFAULT_SETTINGS = {
  title: 'My Plinth site',
  description: 'A new website built on Plinth.',
  language: 'en',
  timezone: 'UTC',
  currency: 'EUR',
  signup_enabled: false,
  require_email_verification: false,
  anonymise_ip: false,
  cors_origins: [],
  webhooks_allow_private: false,
}

const settingsAudit = async (testApp: TestApp) =>
  (
    await sql<{ actor_id: number; details: Record<string, unknown> }>`
      select actor_id, details from audit_log where event = 'settings_changed' order by id`.execute(testApp.database.db)
  ).rows

describe('site settings API', () => {
  test('an admin reads every setting, with the defaults of a new site (sign-up off)', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const admin = await signedIn(testApp, 'admin')
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/settings', headers: admin })
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(response.json(), DEFAULT_SETTINGS)
  })

  test('an admin changes each setting; each PATCH is audited with old and new values and the rest stay', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const admin = await signedIn(testApp, 'admin')
    const changes: Record<string, unknown>[] = [
      { title: 'Bakery Rosa' },
      { description: 'Bread, every morning.' },
      { language: 'pt-BR' },
      { timezone: 'Europe/Rome' },
      { signup_enabled: true },
      { require_email_verification: true },
      { cors_origins: ['https://app.example.org', 'http://localhost:5173'] },
      { currency: 'USD' },
    ]
    let expected: Record<string, unknown> = { ...DEFAULT_SETTINGS }
    for (const change of changes) {
      const response = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: admin, payload: change })
      assert.equal(response.statusCode, 200, response.body)
      expected = { ...expected, ...change }
      assert.deepEqual(response.json(), expected)
    }
    const read = await testApp.app.inject({ method: 'GET', url: '/api/v1/settings', headers: admin })
    assert.deepEqual(read.json(), expected)

    const audit = await settingsAudit(testApp)
    assert.equal(audit.length, changes.length)
    assert.deepEqual(audit[0]?.details, { keys: ['title'], from: { title: 'My Plinth site' }, to: { title: 'Bakery Rosa' } })
    assert.deepEqual(audit[4]?.details, { keys: ['signup_enabled'], from: { signup_enabled: false }, to: { signup_enabled: true } })
    assert.deepEqual(audit[6]?.details, {
      keys: ['cors_origins'],
      from: { cors_origins: [] },
      to: { cors_origins: ['https://app.example.org', 'http://localhost:5173'] },
    })
  })

  test('a PATCH of several settings is one audit event naming the keys that changed; sending the same values writes nothing', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const admin = await signedIn(testApp, 'admin')
    const before = await latestChangeId(testApp.database.db)
    const first = await testApp.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: admin,
      payload: { title: 'My Plinth site', language: 'it', signup_enabled: true },
    })
    assert.equal(first.statusCode, 200, first.body)
    const audit = await settingsAudit(testApp)
    assert.equal(audit.length, 1)
    assert.deepEqual(audit[0]?.details, {
      keys: ['language', 'signup_enabled'],
      from: { language: 'en', signup_enabled: false },
      to: { language: 'it', signup_enabled: true },
    })
    const changes = await readChangesAfter(testApp.database.db, before ?? 0)
    assert.deepEqual(
      changes.map((c) => c.tags),
      [['site']],
    )

    const again = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: admin, payload: { language: 'it' } })
    assert.equal(again.statusCode, 200)
    assert.equal((await settingsAudit(testApp)).length, 1)
  })

  test('language and time zone are stored in canonical form', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const admin = await signedIn(testApp, 'admin')
    const response = await testApp.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: admin,
      payload: { language: 'EN-gb', timezone: 'utc' },
    })
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.json().language, 'en-GB')
    assert.equal(response.json().timezone, 'UTC')
  })

  const bad: [string, Record<string, unknown>, string][] = [
    ['an empty title', { title: '' }, 'title'],
    ['a title of 201 characters', { title: 't'.repeat(201) }, 'title'],
    ['a number for a title', { title: 42 }, 'title'],
    ['a description of 501 characters', { description: 'd'.repeat(501) }, 'description'],
    ['a language that is not a tag', { language: 'english please' }, 'language'],
    ['a language tag Intl refuses', { language: 'en-x' }, 'language'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['a UTC offset for a time zone', { timezone: '+01:00' }, 'timezone'],
    ['an empty time zone', { timezone: '' }, 'timezone'],
    ['a currency that is not ISO 4217', { currency: 'XYZ' }, 'currency'],
    ['a currency of four letters', { currency: 'EURO' }, 'currency'],
    ['a number for a currency', { currency: 978 }, 'currency'],
    ['a string for signup_enabled', { signup_enabled: 'yes' }, 'signup_enabled'],
    ['null for require_email_verification', { require_email_verification: null }, 'require_email_verification'],
    ['an origin with a path', { cors_origins: ['https://app.example.org/path'] }, 'cors_origins'],
    ['an origin with a trailing slash', { cors_origins: ['https://app.example.org/'] }, 'cors_origins'],
    ['an origin in upper case', { cors_origins: ['https://App.example.org'] }, 'cors_origins'],
    ['an origin without a scheme', { cors_origins: ['app.example.org'] }, 'cors_origins'],
    ['a port out of range', { cors_origins: ['https://app.example.org:99999'] }, 'cors_origins'],
    ['a string for cors_origins', { cors_origins: 'https://app.example.org' }, 'cors_origins'],
    ['51 origins', { cors_origins: Array.from({ length: 51 }, (_, i) => `https://a${i}.example.org`) }, 'cors_origins'],
    ['the same origin twice', { cors_origins: ['https://a.example.org', 'https://a.example.org'] }, 'cors_origins'],
    ['an unknown setting', { theme: 'dark' }, 'theme'],
  ]
  for (const [name, payload, field] of bad) {
    test(`${name} is a 400 naming ${field}, and nothing is changed`, async (t) => {
      const testApp = await buildTestApp(t)
      const admin = await signedIn(testApp, 'admin')
      const before = await testApp.app.inject({ method: 'GET', url: '/api/v1/settings', headers: admin })
      const response = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: admin, payload })
      assert.equal(response.statusCode, 400, response.body)
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
      const fields: string[] = (response.json().errors ?? []).map((e: { field: string }) => e.field)
      assert.ok(
        fields.some((f) => f === field || f.startsWith(`${field}.`)),
        `${response.body} names ${field}`,
      )
      const after = await testApp.app.inject({ method: 'GET', url: '/api/v1/settings', headers: admin })
      assert.deepEqual(after.json(), before.json())
    })
  }

  test('an empty PATCH is a 400', async (t) => {
    const testApp = await buildTestApp(t)
    const admin = await signedIn(testApp, 'admin')
    const response = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: admin, payload: {} })
    assert.equal(response.statusCode, 400)
  })

  for (const role of ['editor', 'author', 'member'] as const) {
    test(`an ${role} gets 403 on reading and changing the settings`, async (t) => {
      const testApp = await buildTestApp(t)
      const headers = await signedIn(testApp, role)
      const read = await testApp.app.inject({ method: 'GET', url: '/api/v1/settings', headers })
      assert.equal(read.statusCode, 403)
      const write = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers, payload: { title: 'Mine now' } })
      assert.equal(write.statusCode, 403)
      const bad = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers, payload: { title: '' } })
      assert.equal(bad.statusCode, 403, 'no validation detail reaches a caller without the right')
    })
  }

  test('an anonymous caller gets 401', async (t) => {
    const testApp = await buildTestApp(t)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/settings' })).statusCode, 401)
    const write = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', payload: { title: 'Mine now' } })
    assert.equal(write.statusCode, 401)
  })

  test('GET /api/v1/site shows only the public subset', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const admin = await signedIn(testApp, 'admin')
    await testApp.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: admin,
      payload: {
        title: 'Public name',
        require_email_verification: true,
        cors_origins: ['https://app.example.org'],
        timezone: 'Asia/Tokyo',
      },
    })
    const site = await testApp.app.inject({ method: 'GET', url: '/api/v1/site' })
    assert.deepEqual(site.json(), { title: 'Public name', description: 'A new website built on Plinth.', language: 'en', currency: 'EUR' })
  })

  test('sign-up is refused with 403 on a new site until an admin allows it', async (t) => {
    const testApp = await buildTestApp(t, { privateDatabase: true })
    const payload = { email: uniqueEmail('signup'), password: 'a fine long passphrase', name: 'Visitor' }
    const refused = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload })
    assert.equal(refused.statusCode, 403, refused.body)
    const admin = await signedIn(testApp, 'admin')
    const allow = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: admin, payload: { signup_enabled: true } })
    assert.equal(allow.statusCode, 200)
    const accepted = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload })
    assert.equal(accepted.statusCode, 202, accepted.body)
  })
})

test('migration 0027 keeps sign-up on for a site that already had users, and leaves a new site off', async (t) => {
  const migration = await readFile(new URL('../../../migrations/0027_keep_signup_on_existing_sites.sql', import.meta.url), 'utf8')
  const { database } = await buildTestApp(t, { privateDatabase: true })
  await sql.raw(migration).execute(database.db)
  assert.equal(await isSignupEnabled(database.db), false, 'no users: stays off')
  await createUser(database.db)
  await sql.raw(migration).execute(database.db)
  assert.equal(await isSignupEnabled(database.db), true, 'a site with users keeps sign-up on')
  await upsertSetting(database.db, 'signup_enabled', false)
  await sql.raw(migration).execute(database.db)
  assert.equal(await isSignupEnabled(database.db), false, 'a stored value is kept')
})
