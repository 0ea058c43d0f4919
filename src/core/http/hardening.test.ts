import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import type { App } from '../../app.ts'
import { localPath } from '../../features/site/site.routes.ts'
import { securityHeadersFor } from './security-headers.ts'

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789'

async function signedIn(app: App, db: Parameters<typeof createUser>[0], role: 'member' | 'author' | 'editor' | 'admin') {
  const user = await createUser(db, { role })
  const { cookie, csrf } = await logIn(app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}

const countTags = async (db: Parameters<typeof createUser>[0]) =>
  Number((await sql<{ n: string }>`select count(*) as n from tags`.execute(db)).rows[0]?.n)

describe('malformed input is a 4xx, never a 5xx (issue 9, item 6)', () => {
  test('a NUL in a JSON string or key is a 400 naming the field, and nothing is written', async (t) => {
    const { app, deps } = await buildTestApp(t)
    const editor = await signedIn(app, deps.db, 'editor')
    const before = await countTags(deps.db)
    const inString = await app.inject({ method: 'POST', url: '/api/v1/tags', headers: editor.headers, payload: { name: 'a\u0000b' } })
    assert.equal(inString.statusCode, 400, inString.body)
    assert.equal(inString.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.deepEqual(
      inString.json().errors.map((e: { field: string; in: string }) => [e.field, e.in]),
      [['name', 'body']],
    )
    const inKey = await app.inject({
      method: 'POST',
      url: '/api/v1/tags',
      headers: { ...editor.headers, 'content-type': 'application/json' },
      payload: '{"name":"ok","x\\u0000":1}',
    })
    assert.equal(inKey.statusCode, 400)
    const nested = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'someone@example.com', password: ['x', 'y\u0000'] },
    })
    assert.equal(nested.statusCode, 400)
    assert.equal(nested.json().errors[0].field, 'password.1')
    assert.equal(await countTags(deps.db), before)
  })

  test('a NUL in the query or the path is a 400, as problem+json under /api and a page elsewhere', async (t) => {
    const { app } = await buildTestApp(t)
    const query = await app.inject({ method: 'GET', url: '/api/v1/search?q=a%00b' })
    assert.equal(query.statusCode, 400)
    assert.deepEqual(query.json().errors, [{ field: 'q', in: 'querystring', message: 'must not contain a NUL character (%00)' }])
    for (const url of ['/api/v1/posts/1%00', '/api/v1/posts?cursor=%00', '/api/v1/nothing-here/%00']) {
      const response = await app.inject({ method: 'GET', url })
      assert.equal(response.statusCode, 400, url)
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', url)
    }
    for (const url of ['/blog/x%00', '/%00', '/search?q=%00', '/tag/a%00b/']) {
      const response = await app.inject({ method: 'GET', url })
      assert.equal(response.statusCode, 400, url)
      assert.match(response.headers['content-type'] as string, /^text\/html/, url)
    }
    // %2500 is the text "%00", not a NUL: an ordinary search.
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/search?q=%2500' })).statusCode, 200)
  })

  test('a JSON body declaring a charset other than UTF-8 is a 415; UTF-8 in any spelling is read', async (t) => {
    const { app } = await buildTestApp(t)
    const payload = JSON.stringify({ email: 'nobody@example.com', password: 'wrong password here' })
    for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', '"windows-1252"', '']) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': `application/json; charset=${charset}` },
        payload,
      })
      assert.equal(response.statusCode, 415, charset)
      assert.equal(response.json().code, 'unsupported_media_type')
    }
    for (const charset of ['utf-8', 'UTF-8', 'utf8', '"utf-8"']) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': `application/json; charset=${charset}` },
        payload,
      })
      assert.equal(response.statusCode, 401, charset)
    }
  })

  test('a broken multipart upload is a 400 problem+json and stores nothing', async (t) => {
    const { app, deps } = await buildTestApp(t)
    const author = await signedIn(app, deps.db, 'author')
    const count = async () => Number((await sql<{ n: string }>`select count(*) as n from media`.execute(deps.db)).rows[0]?.n)
    const before = await count()
    const part = (b: string, eol = '\r\n') =>
      [
        `--${b}`,
        'Content-Disposition: form-data; name="file"; filename="a.png"',
        'Content-Type: image/png',
        '',
        'PNGDATA',
        `--${b}--`,
        '',
      ].join(eol)
    const cases: Record<string, { type: string; body: string }> = {
      'no boundary': { type: 'multipart/form-data', body: part('xyz') },
      'wrong boundary': { type: 'multipart/form-data; boundary=other', body: part('xyz') },
      truncated: { type: 'multipart/form-data; boundary=xyz', body: part('xyz').slice(0, 60) },
      'bare LF line ends': { type: 'multipart/form-data; boundary=xyz', body: part('xyz', '\n') },
      'no Content-Disposition': {
        type: 'multipart/form-data; boundary=xyz',
        body: ['--xyz', 'Content-Type: image/png', '', 'PNGDATA', '--xyz--', ''].join('\r\n'),
      },
      'a NUL in the alt text': {
        type: 'multipart/form-data; boundary=xyz',
        body: ['--xyz', 'Content-Disposition: form-data; name="alt"', '', 'a\u0000b', '--xyz--', ''].join('\r\n'),
      },
    }
    for (const [name, { type, body }] of Object.entries(cases)) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/media',
        headers: { ...author.headers, 'content-type': type },
        payload: body,
      })
      assert.equal(response.statusCode, 400, `${name}: ${response.body}`)
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', name)
    }
    assert.equal(await count(), before)
  })

  test('text the database cannot store (SQLSTATE 22021) that slips past the parsers is a 400, not a 500', async (t) => {
    let db: Parameters<typeof createUser>[0] | undefined
    const { app, deps } = await buildTestApp(t, {
      routes: (site) =>
        site.get('/api/v1/test-nul', async () => {
          await sql`select ${'a\u0000b'}::text as value`.execute(db as NonNullable<typeof db>)
          return {}
        }),
    })
    db = deps.db
    const response = await app.inject({ method: 'GET', url: '/api/v1/test-nul' })
    assert.equal(response.statusCode, 400, response.body)
    assert.equal(response.json().code, 'bad_request')
  })
})

describe('redirects and headers (issue 9, item 8)', () => {
  test('every redirect points at a path on this site, also for an absolute-form request line', async (t) => {
    const { app, deps } = await buildTestApp(t)
    await sql`insert into redirects (from_path, to_path) values ('/hardening-old', '/hardening-new'), ('/hardening-evil', '//evil.example/x')`.execute(
      deps.db,
    )
    t.after(() => sql`delete from redirects where from_path in ('/hardening-old', '/hardening-evil')`.execute(deps.db))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as net.AddressInfo).port
    const cases: [string, string][] = [
      ['http://other.example/some-page/', '/some-page'],
      ['http://other.example/hardening-old', '/hardening-new'],
      ['https://other.example/hardening-old?x=1', '/hardening-new?x=1'],
      ['/hardening-evil', '/evil.example/x'],
      ['/some/page/?q=1', '/some/page?q=1'],
    ]
    for (const [target, location] of cases) {
      const head = await rawGet(port, target)
      assert.match(head, /^HTTP\/1\.1 301 /, target)
      assert.equal(/\r\nlocation: ([^\r]*)/i.exec(head)?.[1], location, target)
    }
    // `//host/` is never stripped into `//host`.
    assert.doesNotMatch(await rawGet(port, '//evil.example/'), /\r\nlocation: \/\//i)
    assert.equal(localPath('//evil.example'), '/evil.example')
    assert.equal(localPath('/\\evil.example'), '/evil.example')
    assert.equal(localPath('/ok?x=1'), '/ok?x=1')
  })

  test('authenticated API answers are private, no-store; anonymous ones and ETag revalidation are unchanged', async (t) => {
    const { app, deps } = await buildTestApp(t)
    const admin = await signedIn(app, deps.db, 'admin')
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: admin.headers })
    assert.equal(me.statusCode, 200)
    assert.equal(me.headers['cache-control'], 'private, no-store')
    const post = await createPost(deps.db, admin.user)
    const first = await app.inject({ method: 'GET', url: `/api/v1/posts/${post.id}`, headers: admin.headers })
    assert.equal(first.headers['cache-control'], 'private, no-store')
    const etag = first.headers.etag as string
    assert.ok(etag)
    const again = await app.inject({ method: 'GET', url: `/api/v1/posts/${post.id}`, headers: { ...admin.headers, 'if-none-match': etag } })
    assert.equal(again.statusCode, 304)
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/site' })
    assert.notEqual(anonymous.headers['cache-control'], 'private, no-store')
  })

  for (const publicUrl of ['http://127.0.0.1:3000', 'https://www.example.com']) {
    test(`/healthz, /readyz and /metrics carry the same security headers as the site, and so does the early server (${publicUrl})`, async (t) => {
      const { app } = await buildTestApp(t, { env: { METRICS_TOKEN, PUBLIC_URL: publicUrl } })
      const site = await app.inject({ method: 'GET', url: '/api/v1/site' })
      const expected = securityHeadersFor(publicUrl)
      const names = Object.keys(expected)
      assert.equal(names.includes('strict-transport-security'), publicUrl.startsWith('https:'))
      // Every header helmet set on the site's answer is among them, with the same value.
      for (const name of names) assert.equal(expected[name], site.headers[name], name)
      for (const name of Object.keys(site.headers).filter((n) => n.startsWith('x-') || n.includes('policy') || n.includes('security'))) {
        if (name !== 'x-request-id' && !name.startsWith('x-ratelimit')) assert.ok(names.includes(name), `${name} on the site's answer`)
      }
      for (const url of ['/healthz', '/readyz', '/metrics']) {
        const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
        assert.equal(response.statusCode, 200, url)
        for (const name of names) assert.equal(response.headers[name], site.headers[name], `${url} ${name}`)
      }
      // The early server writes securityHeadersFor(publicUrl) too (early-server.test.ts).
    })
  }

  test('/metrics needs the bearer METRICS_TOKEN, and is not there at all without one', async (t) => {
    const off = await buildTestApp(t)
    assert.equal((await off.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
    assert.equal(
      (await off.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer anything-at-all-123456' } })).statusCode,
      404,
    )
    const on = await buildTestApp(t, { env: { METRICS_TOKEN } })
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abc', `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`]) {
      const response = await on.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} })
      assert.equal(response.statusCode, 401, String(authorization))
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="metrics"')
      assert.doesNotMatch(response.body, /process_cpu/)
    }
    const ok = await on.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    assert.equal(ok.statusCode, 200)
    assert.match(ok.body, /process_cpu_user_seconds_total/)
  })

  test('a caller without the right to a route gets 401 or 403 before any validation detail, on every protected route', async (t) => {
    const { app, deps } = await buildTestApp(t)
    await app.ready()
    const member = await signedIn(app, deps.db, 'member')
    const routes = protectedRoutes(app)
    assert.ok(routes.length >= 30, `found ${routes.length} protected routes`)
    assert.deepEqual(
      routes.filter((route) => route.hook !== 'onRequest').map((route) => `${route.method} ${route.url}: ${route.hook}`),
      [],
      'role checks run as onRequest hooks',
    )
    for (const { method, url, check } of routes) {
      const path = url.replace(/:\w+/g, 'not-an-id')
      const bad = {
        method: method as 'POST',
        url: `${path}?limit=oops&cursor=%%%`,
        headers: { 'content-type': 'application/json' },
        payload: '{"broken": [',
      }
      const anonymous = await app.inject(bad)
      assert.equal(anonymous.statusCode, 401, `anonymous ${method} ${url}: ${anonymous.body}`)
      assert.equal(anonymous.json().code, 'authentication_required')
      assert.equal(anonymous.json().errors, undefined)
      if (check === 'requireRoleHandler') {
        // A member may call no role-protected route: 403 before the body is even read.
        const response = await app.inject({ ...bad, headers: { ...bad.headers, ...member.headers } })
        assert.equal(response.statusCode, 403, `member ${method} ${url}: ${response.body}`)
      }
    }
  })
})

/** GET `target` over a raw TCP connection (inject would normalise an absolute-form target); returns the response head. */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n`)
    })
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => {
      data += chunk
    })
    socket.on('error', reject)
    socket.on('end', () => resolve(data.split('\r\n\r\n')[0] as string))
  })
}

/**
 * The routes whose onRequest hooks include one of roles.ts's checks, read from
 * Fastify's own route table (printRoutes with hooks), so a new route is
 * covered the day it is added.
 */
function protectedRoutes(app: App): { method: string; url: string; check: string; hook: string }[] {
  const table = app.printRoutes({ includeHooks: true, commonPrefix: false })
  const found: { method: string; url: string; check: string; hook: string }[] = []
  const stack: { column: number; path: string }[] = []
  let current: { methods: string[]; path: string } | undefined
  for (const line of table.split('\n')) {
    const hook = /• \((\w+)\) (\[.*\])$/.exec(line)
    if (hook && current) {
      const names = (JSON.parse(hook[2] as string) as string[]).map((name) => name.replace(/\(\)$/, ''))
      const check = names.find((name) => name === 'requireUser' || name === 'requireSession' || name === 'requireRoleHandler')
      // A check in a later hook (preHandler) would run after the schema's validation.
      const hookName = hook[1] === 'onRequest' ? 'onRequest' : `${hook[1]} (too late)`
      if (check)
        for (const method of current.methods) if (method !== 'HEAD') found.push({ method, url: current.path, check, hook: hookName })
      continue
    }
    const route = /^([\s│├└─]*)(\S.*) \(([A-Z, ]+)\)$/.exec(line)
    if (!route) continue
    const column = (route[1] as string).length
    while (stack.length > 0 && (stack.at(-1) as { column: number }).column >= column) stack.pop()
    const parent = stack.at(-1)?.path ?? ''
    const segment = route[2] as string
    const path = parent === '' ? segment : `${parent.replace(/\/$/, '')}/${segment.replace(/^\//, '')}`
    stack.push({ column, path })
    current = { methods: (route[3] as string).split(', '), path }
  }
  return found
}
