import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn, uniqueEmail } from '../../../test/factories.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { upsertSetting } from '../../features/settings/settings.queries.ts'
import { getCorsOrigins, updateSettings } from '../../features/settings/settings.service.ts'
import type { ChangeFeed, ChangeListener } from '../changes/changes.ts'
import { createAllowedOrigins } from './cors.ts'

// CORS (issue 10, item 1; decision 0016). The tests share the file's database:
// each one allows origins of its own (a random host), so none depends on another.
const SITE = 'http://127.0.0.1:3000'
const META = { ip: 'test', userAgent: undefined }
const newOrigin = (label = 'app') => `https://${label}-${randomBytes(4).toString('hex')}.example.org`

const preflight = (testApp: TestApp, origin: string, method = 'POST', url = '/api/v1/posts', requestHeaders = 'content-type') =>
  testApp.app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': requestHeaders },
  })

const varyOf = (response: LightMyRequestResponse) =>
  String(response.headers.vary ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())

const listOf = (value: unknown) =>
  String(value ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())

/** The headers of a preflight a listed origin gets; asserted in full once. */
function assertListedPreflight(response: LightMyRequestResponse, origin: string) {
  assert.equal(response.statusCode, 204, response.body)
  assert.equal(response.headers['access-control-allow-origin'], origin)
  assert.equal(response.headers['access-control-allow-credentials'], 'true')
  assert.deepEqual(listOf(response.headers['access-control-allow-methods']), ['get', 'head', 'post', 'put', 'patch', 'delete'])
  for (const header of ['content-type', 'authorization', 'x-csrf-token', 'if-none-match']) {
    assert.ok(listOf(response.headers['access-control-allow-headers']).includes(header), header)
  }
  assert.equal(response.headers['access-control-max-age'], '600')
  assert.ok(varyOf(response).includes('origin'))
  assert.equal(response.body, '')
}

function assertRefusedPreflight(response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 403, response.body)
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(response.json().code, 'origin_not_allowed')
  for (const header of Object.keys(response.headers)) assert.ok(!header.startsWith('access-control-'), header)
}

async function session(testApp: TestApp, role: 'admin' | 'author' = 'author') {
  const user = await createUser(testApp.deps.db, { role, verified: true })
  const { cookie, csrf, setCookie } = await logIn(testApp.app, user.email)
  return { user, cookie, csrf, setCookie }
}

/** A personal API token with the write scope, made from the site's own origin. */
async function writeToken(testApp: TestApp, signedIn: { cookie: string; csrf: string }): Promise<string> {
  const response = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { cookie: signedIn.cookie, 'x-csrf-token': signedIn.csrf },
    payload: { name: 'front end', scopes: ['write'] },
  })
  assert.equal(response.statusCode, 201, response.body)
  return response.json().token
}

describe('CORS preflights', () => {
  test('a listed origin (CORS_ORIGINS) gets its preflight answered: 204, its origin, credentials, methods, headers, max-age', async (t) => {
    const listed = newOrigin()
    const testApp = await buildTestApp(t, { env: { CORS_ORIGINS: `http://localhost:5173,${listed}` } })
    assertListedPreflight(await preflight(testApp, listed, 'PATCH', '/api/v1/settings', 'content-type,x-csrf-token'), listed)
    assertListedPreflight(
      await preflight(testApp, 'http://localhost:5173', 'DELETE', '/api/v1/posts/1', 'authorization'),
      'http://localhost:5173',
    )
    // A path no route has is still a preflight the browser needs answered (the request itself then gets its 404).
    assertListedPreflight(await preflight(testApp, listed, 'GET', '/api/v1/no-such-thing'), listed)
  })

  test('an unlisted origin: a preflight for a write, or for a read with credentials, is refused without CORS headers', async (t) => {
    const testApp = await buildTestApp(t, { env: { CORS_ORIGINS: newOrigin() } })
    const stranger = newOrigin('stranger')
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) assertRefusedPreflight(await preflight(testApp, stranger, method))
    assertRefusedPreflight(await preflight(testApp, stranger, 'GET', '/api/v1/posts', 'authorization'))
    assertRefusedPreflight(await preflight(testApp, stranger, 'GET', '/api/v1/posts', 'x-csrf-token, Authorization'))
    // An origin that differs only in scheme, port or case of a listed one is another origin.
    const testApp2 = await buildTestApp(t, { env: { CORS_ORIGINS: 'http://localhost:5173' } })
    for (const near of ['https://localhost:5173', 'http://localhost:5174', 'http://localhost', 'http://LOCALHOST:5173', 'null']) {
      assertRefusedPreflight(await preflight(testApp2, near))
    }
  })

  test('an unlisted origin may preflight an anonymous read: `*`, GET and HEAD only, no credentials', async (t) => {
    const testApp = await buildTestApp(t)
    const response = await preflight(testApp, newOrigin('reader'), 'GET', '/api/v1/posts', 'content-type,if-none-match')
    assert.equal(response.statusCode, 204)
    assert.equal(response.headers['access-control-allow-origin'], '*')
    assert.equal(response.headers['access-control-allow-credentials'], undefined)
    assert.deepEqual(listOf(response.headers['access-control-allow-methods']), ['get', 'head'])
    assert.ok(!listOf(response.headers['access-control-allow-headers']).includes('authorization'))
    assert.ok(varyOf(response).includes('origin'))
  })

  test('CORS_ANONYMOUS_READS=false: an unlisted origin gets nothing, a listed one still everything', async (t) => {
    const listed = newOrigin()
    const testApp = await buildTestApp(t, { env: { CORS_ANONYMOUS_READS: 'false', CORS_ORIGINS: listed } })
    const stranger = newOrigin('stranger')
    assertRefusedPreflight(await preflight(testApp, stranger, 'GET', '/api/v1/site'))
    const read = await testApp.app.inject({ method: 'GET', url: '/api/v1/site', headers: { origin: stranger } })
    assert.equal(read.statusCode, 200)
    assert.equal(read.headers['access-control-allow-origin'], undefined)
    assert.ok(varyOf(read).includes('origin'))
    assertListedPreflight(await preflight(testApp, listed, 'GET', '/api/v1/site'), listed)
  })
})

describe('CORS on answers', () => {
  test('an anonymous read from any origin: `*`, no credentials, the headers a client needs exposed, Vary: Origin', async (t) => {
    const testApp = await buildTestApp(t)
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/site', headers: { origin: newOrigin('reader') } })
    assert.equal(response.statusCode, 200)
    assert.equal(response.json().title, 'My Plinth site')
    for (const url of ['/api', '/api/openapi.json']) {
      const other = await testApp.app.inject({ method: 'GET', url, headers: { origin: newOrigin('reader') } })
      assert.equal(other.statusCode, 200, url)
      assert.equal(other.headers['access-control-allow-origin'], '*', url)
    }
    assert.equal(response.headers['access-control-allow-origin'], '*')
    assert.equal(response.headers['access-control-allow-credentials'], undefined)
    const exposed = listOf(response.headers['access-control-expose-headers'])
    for (const header of ['etag', 'location', 'retry-after', 'x-request-id']) assert.ok(exposed.includes(header), header)
    assert.ok(varyOf(response).includes('origin'))
  })

  test('a read with a cookie or a token from an unlisted origin gets no CORS headers (the browser keeps it from the page)', async (t) => {
    const testApp = await buildTestApp(t)
    const { cookie } = await session(testApp)
    const stranger = newOrigin('stranger')
    const withCookie = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { origin: stranger, cookie } })
    assert.equal(withCookie.statusCode, 200)
    assert.equal(withCookie.headers['access-control-allow-origin'], undefined)
    const withToken = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/site',
      headers: { origin: stranger, authorization: 'Bearer plinth_nothing' },
    })
    assert.equal(withToken.statusCode, 401)
    assert.equal(withToken.headers['access-control-allow-origin'], undefined)
  })

  test('a listed origin gets its own origin with credentials, on errors too (401, 403, 404), so its script can read the problem', async (t) => {
    const listed = newOrigin()
    const testApp = await buildTestApp(t, { env: { CORS_ORIGINS: listed } })
    const { cookie } = await session(testApp)
    const cases: [string, InjectOptions & { headers?: Record<string, string> }, number][] = [
      ['a read with the cookie', { method: 'GET', url: '/api/v1/auth/me', headers: { cookie } }, 200],
      ['a bad token', { method: 'GET', url: '/api/v1/site', headers: { authorization: 'Bearer plinth_nothing' } }, 401],
      ['a write without the CSRF token', { method: 'POST', url: '/api/v1/posts', headers: { cookie }, payload: { title: 'x' } }, 403],
      ['an unknown path', { method: 'GET', url: '/api/v1/no-such-thing' }, 404],
    ]
    for (const [name, request, status] of cases) {
      const response = await testApp.app.inject({ ...request, headers: { ...request.headers, origin: listed } })
      assert.equal(response.statusCode, status, `${name}: ${response.body}`)
      assert.equal(response.headers['access-control-allow-origin'], listed, name)
      assert.equal(response.headers['access-control-allow-credentials'], 'true', name)
      assert.ok(varyOf(response).includes('origin'), name)
    }
  })

  test('the site itself, pages and other paths get no CORS headers and no Vary: Origin', async (t) => {
    const listed = newOrigin()
    const testApp = await buildTestApp(t, { env: { CORS_ORIGINS: listed, PUBLIC_URL: SITE } })
    const sameOrigin = await testApp.app.inject({ method: 'GET', url: '/api/v1/site', headers: { origin: SITE } })
    assert.equal(sameOrigin.headers['access-control-allow-origin'], undefined)
    for (const url of ['/', '/robots.txt', '/no-such-page']) {
      const page = await testApp.app.inject({ method: 'GET', url, headers: { origin: listed } })
      assert.equal(page.headers['access-control-allow-origin'], undefined, url)
      assert.ok(!varyOf(page).includes('origin'), url)
    }
    const pagePreflight = await preflight(testApp, listed, 'GET', '/')
    assert.equal(pagePreflight.headers['access-control-allow-origin'], undefined)
    assert.notEqual(pagePreflight.statusCode, 204)
  })
})

describe('writes from other origins', () => {
  test('an unlisted origin cannot sign in, write with a cookie (even with the CSRF token) or with a token: 403 origin_not_allowed', async (t) => {
    const testApp = await buildTestApp(t, { env: { CORS_ORIGINS: newOrigin() } })
    const author = await session(testApp)
    const token = await writeToken(testApp, author)
    const stranger = newOrigin('stranger')
    const attempts: [string, Record<string, string>, string, Record<string, string>][] = [
      ['sign-in', {}, '/api/v1/auth/login', { email: author.user.email, password: 'whatever it is' }],
      ['a cookie write with its CSRF token', { cookie: author.cookie, 'x-csrf-token': author.csrf }, '/api/v1/posts', { title: 'No' }],
      ['a token write', { authorization: `Bearer ${token}` }, '/api/v1/posts', { title: 'No' }],
      ['an anonymous write', {}, '/api/v1/auth/password-reset', { email: uniqueEmail() }],
    ]
    for (const fetchSite of ['cross-site', 'same-site']) {
      for (const [name, headers, url, payload] of attempts) {
        const response = await testApp.app.inject({
          method: 'POST',
          url,
          headers: { ...headers, origin: stranger, 'sec-fetch-site': fetchSite },
          payload,
        })
        assert.equal(response.statusCode, 403, `${name}: ${response.body}`)
        assert.equal(response.json().code, 'origin_not_allowed', name)
      }
    }
    // Nothing was written.
    const written = await sql<{ n: number }>`select count(*)::int as n from posts where author_id = ${author.user.id}`.execute(
      testApp.deps.db,
    )
    assert.equal(written.rows[0]?.n, 0)
  })

  test('a listed origin signs in with a cookie and writes with it and the CSRF token (still required), or with a token', async (t) => {
    const listed = 'http://localhost:5173'
    const testApp = await buildTestApp(t, { env: { CORS_ORIGINS: listed } })
    const user = await createUser(testApp.deps.db, { role: 'author', verified: true })
    // localhost:5173 → localhost:3000 is the same site: browsers say so in Sec-Fetch-Site.
    const fromFrontEnd = { origin: listed, 'sec-fetch-site': 'same-site' }
    const login = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: fromFrontEnd,
      payload: { email: user.email, password: 'correct horse battery staple 42' },
    })
    assert.equal(login.statusCode, 200, login.body)
    assert.equal(login.headers['access-control-allow-origin'], listed)
    const setCookie = String(login.headers['set-cookie'])
    assert.match(setCookie, /; SameSite=Lax/)
    const cookie = setCookie.split(';')[0] as string
    const csrf = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/csrf', headers: { ...fromFrontEnd, cookie } })
    const withoutCsrf = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { ...fromFrontEnd, cookie },
      payload: { title: 'x' },
    })
    assert.equal(withoutCsrf.statusCode, 403)
    assert.equal(withoutCsrf.json().code, 'csrf_token_missing')
    const created = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { ...fromFrontEnd, cookie, 'x-csrf-token': csrf.json().token },
      payload: { title: 'From the front end' },
    })
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(created.headers['access-control-allow-origin'], listed)

    const token = await writeToken(testApp, { cookie, csrf: csrf.json().token })
    const withToken = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: { origin: listed, 'sec-fetch-site': 'cross-site', authorization: `Bearer ${token}` },
      payload: { title: 'With a token' },
    })
    assert.equal(withToken.statusCode, 201, withToken.body)
  })

  test('SESSION_COOKIE_SAMESITE=none (https PUBLIC_URL): the session cookie is SameSite=None; Secure', async (t) => {
    const testApp = await buildTestApp(t, { env: { SESSION_COOKIE_SAMESITE: 'none', PUBLIC_URL: 'https://api.example.org' } })
    const { setCookie } = await session(testApp)
    assert.match(setCookie, /; Secure/)
    assert.match(setCookie, /; SameSite=None/)
  })
})

describe('the allowed origins: CORS_ORIGINS and the cors_origins setting', () => {
  test('the env list and the stored setting both count', async (t) => {
    const fromEnv = newOrigin('env')
    const fromSetting = newOrigin('setting')
    const testApp = await buildTestApp(t, { privateDatabase: true, env: { CORS_ORIGINS: fromEnv } })
    await updateSettings(testApp.deps.db, null, { cors_origins: [fromSetting] }, META)
    assertListedPreflight(await preflight(testApp, fromEnv), fromEnv)
    assertListedPreflight(await preflight(testApp, fromSetting), fromSetting)
    assertRefusedPreflight(await preflight(testApp, newOrigin('neither')))
  })

  test("an admin's PATCH takes effect without a restart, on another instance too, through the change feed — not a query per request", async (t) => {
    // Two instances on one database, as behind a load balancer.
    const instanceA = await buildTestApp(t)
    const instanceB = await buildTestApp(t)
    const { db } = instanceA.deps
    const patched = newOrigin('patched')
    const unannounced = newOrigin('unannounced')
    // A reads the stored list (and starts following the change feed) at its first request from another origin.
    assertRefusedPreflight(await preflight(instanceA, patched))

    const admin = await session(instanceB, 'admin')
    const before = await getCorsOrigins(db)
    const patch = await instanceB.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { cors_origins: [...before, patched] },
    })
    assert.equal(patch.statusCode, 200, patch.body)
    await waitFor('instance A to hear of the new origin', async () => (await preflight(instanceA, patched)).statusCode === 204)
    assertListedPreflight(await preflight(instanceA, patched), patched)
    assertListedPreflight(await preflight(instanceB, patched), patched)

    // Answered from memory: a value written behind the feed's back (no change recorded) is not seen…
    await upsertSetting(db, 'cors_origins', [...before, patched, unannounced])
    assertRefusedPreflight(await preflight(instanceA, unannounced))
    // …until the next change tagged `site` (here: the title).
    await updateSettings(db, null, { title: `Site ${randomBytes(3).toString('hex')}` }, META)
    await waitFor('instance A to read the list again', async () => (await preflight(instanceA, unannounced)).statusCode === 204)
    assertListedPreflight(await preflight(instanceA, unannounced), unannounced)

    // Taken off the list: refused again, and its writes too.
    await updateSettings(db, null, { cors_origins: before }, META)
    await waitFor('instance A to drop the origin', async () => (await preflight(instanceA, patched)).statusCode === 403)
    const write = await instanceA.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: patched },
      payload: { title: 'Not from there' },
    })
    assert.equal(write.statusCode, 403)
    assert.equal(write.json().code, 'origin_not_allowed')
  })
})

describe('createAllowedOrigins', () => {
  /** A change feed under the test's control: `emit` delivers a change to every listener. */
  function manualFeed() {
    const listeners = new Set<ChangeListener>()
    let subscribeFails = 0
    const feed: ChangeFeed = {
      async onChange(listener) {
        if (subscribeFails > 0) {
          subscribeFails--
          throw new Error('the database is not reachable')
        }
        listeners.add(listener)
        return async () => void listeners.delete(listener)
      },
    }
    return {
      feed,
      listeners,
      failNextSubscribe: () => void subscribeFails++,
      emit: async (tags: string[]) => {
        for (const listener of listeners) await listener({ id: 1, tags, created_at: new Date() } as never)
      },
    }
  }

  test('reads the stored list once, again only on a `site` change; a failed first read is tried again', async () => {
    const { feed, listeners, failNextSubscribe, emit } = manualFeed()
    let stored = ['https://a.example.org']
    let reads = 0
    const origins = createAllowedOrigins({
      fixed: ['http://localhost:5173'],
      load: async () => {
        reads++
        return stored
      },
      changes: feed,
    })
    assert.equal(origins.allows('http://localhost:5173'), true)
    assert.equal(reads, 0, 'an env origin needs no read')
    failNextSubscribe()
    await assert.rejects(async () => origins.allows('https://a.example.org'), /not reachable/)
    assert.equal(await origins.allows('https://a.example.org'), true)
    assert.equal(reads, 1)
    for (let i = 0; i < 100; i++) assert.equal(origins.allows(i % 2 ? 'https://a.example.org' : 'https://b.example.org'), i % 2 === 1)
    assert.equal(reads, 1, 'answered from memory')
    stored = ['https://b.example.org']
    await emit(['post:1', 'list:posts'])
    assert.equal(origins.allows('https://b.example.org'), false)
    assert.equal(reads, 1, 'a change of something else reads nothing')
    await emit(['site'])
    assert.equal(reads, 2)
    assert.equal(origins.allows('https://b.example.org'), true)
    assert.equal(origins.allows('https://a.example.org'), false)
    assert.equal(listeners.size, 1)
    await origins.close()
    assert.equal(listeners.size, 0)
  })
})
