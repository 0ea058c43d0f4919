import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Db, sql } from '#core/db/database.ts'
import { ERROR_CODES, type ErrorCode } from '#core/http/error-codes.ts'
import { buildTestApp } from '../../../test/app.ts'
import { createPost, createUser, TEST_PASSWORD } from '../../../test/factories.ts'
import type { App } from '../../app.ts'
import { SESSION_COOKIE } from '../../features/users/login/sessions.ts'

/**
 * The OpenAPI fuzz walker (issue 9, item 6): reads /api/openapi.json from the
 * app, walks every operation and sends generated bad bodies, parameters and
 * headers, as an anonymous caller and as a signed-in admin with a CSRF token
 * (so validation and the services are reached). Every answer must be below
 * 500, problem+json under /api when it is a 4xx, and a request that got a 4xx
 * must have written no row: the main tables' row counts and the change feed's
 * last id are compared after every request.
 *
 * Bounded and deterministic: a seeded generator (no time-based randomness),
 * about three thousand requests. New operations are covered the day they
 * appear in the document.
 */

type Schema = {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  anyOf?: Schema[]
  enum?: unknown[]
  format?: string
  pattern?: string
  minLength?: number
  minimum?: number
}
type Parameter = { in: 'path' | 'query' | 'header'; name: string; schema?: Schema }
type Operation = { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }
type Caller = 'anonymous' | 'admin'
type Request = {
  method: string
  url: string
  headers?: Record<string, string>
  payload?: string
}

const SEED = 0x5eed_0009

/** mulberry32: a small seeded generator, the same sequence on every run. */
function generator(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    pick: <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T,
    sample: <T>(values: readonly T[], count: number): T[] => {
      const copy = [...values]
      const out: T[] = []
      while (out.length < count && copy.length > 0) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0] as T)
      return out
    },
  }
}

const deep = (depth: number): unknown => (depth === 0 ? 1 : [deep(depth - 1)])

/** Values of the wrong type or shape, or strings that have broken servers before. */
const BAD_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  'x'.repeat(70_000),
  '\ud800',
  '\udfff\ud800',
  '\u202egnp.exe',
  '\ufeffbom',
  '\u200b\u200d\u2060',
  '💩'.repeat(300),
  'e\u0301\u0301\u0301\u0301',
  '\u2028\u2029',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '%00',
  '../../../etc/passwd',
  '1e309',
  'NaN',
  '-0',
  '2026-13-45T99:99:99Z',
  [],
  [null],
  ['a\u0000'],
  {},
  { $gt: '' },
  deep(12),
]

const BAD_TEXT: readonly string[] = [
  '',
  '%00',
  'a%00b',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e3',
  '0x10',
  '99999999999999999999999',
  '9007199254740993',
  '%20',
  '%ED%A0%80',
  '%C0%80',
  '%FF%FE',
  '%F0%9F%92%A9',
  '%E2%80%AE',
  '%25',
  '%',
  '%%%',
  '..%2F..%2F',
  'a'.repeat(5000),
  '%3Cscript%3E',
  "'%20or%201=1--",
  'true',
  '[]',
]

/** Cursors are opaque base64url: garbage, wrong JSON, wrong types, huge. */
const BAD_CURSORS: readonly string[] = [
  'garbage',
  Buffer.from('{"x":1}').toString('base64url'),
  Buffer.from('[1,2,3]').toString('base64url'),
  Buffer.from('["a\u0000",null]').toString('base64url'),
  Buffer.from('[1e309,"2026-99-99"]').toString('base64url'),
  Buffer.from('null').toString('base64url'),
  Buffer.from('"\\ud800"').toString('base64url'),
  Buffer.from(JSON.stringify(deep(40))).toString('base64url'),
  'A'.repeat(4000),
  '====',
  '%00',
]

const BAD_IDS: readonly string[] = [
  '0',
  '-1',
  'abc',
  '1.5',
  '1e3',
  '2147483648',
  '9223372036854775808',
  '99999999999999999999',
  '%00',
  '%F0%9F%92%A9',
  '%20',
  ' 1',
  '1;drop',
]

/** A value the schema accepts, as far as a quick walk can tell (enough to get past the parser). */
function validValue(schema: Schema | undefined): unknown {
  if (!schema) return 'fuzz'
  if (schema.enum) return schema.enum[0]
  if (schema.anyOf) return validValue(schema.anyOf[0])
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [name, property] of Object.entries(schema.properties ?? {})) out[name] = validValue(property)
      return out
    }
    case 'array':
      return [validValue(schema.items)]
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1)
    case 'boolean':
      return true
    case 'null':
      return null
    default:
      if (schema.format === 'email') return 'fuzz@example.com'
      if (schema.format === 'date-time') return '2030-01-01T00:00:00.000Z'
      if (schema.pattern?.startsWith('^[a-z0-9]')) return 'fuzz-slug'
      if (schema.pattern?.startsWith('^\\d')) return '123456'
      return 'fuzz value 12345'
  }
}

/** The requests for one operation: bad bodies, bad parameters, bad headers. */
function* requestsFor(path: string, method: string, operation: Operation, goodId: string, random: ReturnType<typeof generator>) {
  const parameters = operation.parameters ?? []
  const query = parameters.filter((p) => p.in === 'query')
  const pathParams = parameters.filter((p) => p.in === 'path')
  const build = (params: Record<string, string> = {}, search = '') =>
    path.replace(/\{(\w+)\}/g, (_match, name: string) => params[name] ?? (name === 'name' ? 'fuzz.png' : goodId)) + search
  const base = build()
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema
  const json = (value: unknown, headers: Record<string, string> = {}): Request => ({
    method,
    url: base,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(value),
  })
  const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE'

  // Bodies.
  if (bodySchema) {
    const valid = validValue(bodySchema) as Record<string, unknown>
    yield json(valid)
    for (const name of Object.keys(bodySchema.properties ?? {})) {
      for (const bad of random.sample(BAD_VALUES, 2)) yield json({ ...valid, [name]: bad })
    }
    for (const name of bodySchema.required ?? []) {
      const { [name]: _missing, ...rest } = valid
      yield json(rest)
    }
    yield json({ ...valid, unexpected_field: 'x' })
    yield json({ ...valid, ['__proto__']: { admin: true } })
    yield {
      method,
      url: base,
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__":{"x":1},"constructor":{"prototype":{"y":1}}}',
    }
    yield json({ ...valid, 'k\u0000': 1 })
    yield json(deep(40))
    yield json(valid, { 'content-type': 'application/json; charset=iso-8859-1' })
    yield json(valid, { 'content-type': 'application/json; charset=utf-16le' })
  }
  if (hasBody) {
    for (const value of [null, [], 'text', 42, true]) yield json(value)
    yield { method, url: base, headers: { 'content-type': 'application/json' }, payload: '{"a":' }
    yield { method, url: base, headers: { 'content-type': 'application/json' }, payload: '' }
    yield { method, url: base, headers: { 'content-type': 'application/json' }, payload: '\ufeff{}' }
    yield { method, url: base, headers: { 'content-type': 'application/json' }, payload: `{"a":"${'x'.repeat(1_100_000)}"}` }
    yield { method, url: base, headers: { 'content-type': 'text/plain' }, payload: 'hello' }
    yield { method, url: base, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1&b=%00' }
    yield { method, url: base, headers: { 'content-type': 'application/xml' }, payload: '<a/>' }
    yield { method, url: base, headers: { 'content-type': 'no/such; x=' }, payload: 'x' }
    const part = (boundary: string, eol: string) =>
      [
        `--${boundary}`,
        'Content-Disposition: form-data; name="file"; filename="a.png"',
        'Content-Type: image/png',
        '',
        '\u0089PNG',
        `--${boundary}--`,
        '',
      ].join(eol)
    yield { method, url: base, headers: { 'content-type': 'multipart/form-data' }, payload: part('b', '\r\n') }
    yield { method, url: base, headers: { 'content-type': 'multipart/form-data; boundary=zz' }, payload: part('b', '\r\n') }
    yield { method, url: base, headers: { 'content-type': 'multipart/form-data; boundary=b' }, payload: part('b', '\r\n').slice(0, 50) }
    yield { method, url: base, headers: { 'content-type': 'multipart/form-data; boundary=b' }, payload: part('b', '\n') }
    yield {
      method,
      url: base,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      payload: ['--b', 'Content-Type: image/png', '', 'x', '--b--', ''].join('\r\n'),
    }
    yield {
      method,
      url: base,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      payload: [
        '--b',
        'Content-Disposition: form-data; name="alt"',
        '',
        'a\u0000b',
        '--b',
        'Content-Disposition: form-data; name="file"; filename="\u0000.png"',
        '',
        'GIF89a',
        '--b--',
        '',
      ].join('\r\n'),
    }
  }

  // Path parameters.
  for (const parameter of pathParams) {
    for (const bad of parameter.name === 'name' ? [...BAD_TEXT.slice(0, 12), 'a.png%00', '..%2Fsecret'] : BAD_IDS) {
      yield {
        method,
        url: build({ [parameter.name]: bad }),
        ...(hasBody && bodySchema ? { headers: { 'content-type': 'application/json' }, payload: '{}' } : {}),
      }
    }
  }

  // Query parameters: each one bad, cursors bad, repeated, unknown.
  for (const parameter of query) {
    const values = parameter.name === 'cursor' ? BAD_CURSORS : random.sample(BAD_TEXT, 5)
    for (const bad of values) yield { method, url: build({}, `?${encodeURIComponent(parameter.name)}=${bad}`) }
    yield { method, url: build({}, `?${parameter.name}=1&${parameter.name}=2`) }
    yield { method, url: build({}, `?${parameter.name}[]=1&${parameter.name}[x]=2`) }
  }
  if (method === 'GET') {
    yield { method, url: `${base}?unknown_param=1` }
    yield { method, url: `${base}?${'a=1&'.repeat(2000)}` }
    yield { method, url: `${base}?%00=1` }
  }

  // Headers.
  const headerSets: Record<string, string>[] = [
    { accept: 'application/xml' },
    { 'if-none-match': `"${'x'.repeat(4000)}"` },
    { 'if-none-match': '*' },
    { authorization: `Bearer ${'x'.repeat(300)}` },
    { authorization: 'Bearer plinth_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    { authorization: 'Basic Zm9vOmJhcg==' },
    { cookie: `${SESSION_COOKIE}=${'%00'.repeat(20)}` },
    { cookie: `${SESSION_COOKIE}="unterminated; a=b` },
    { 'x-csrf-token': 'x'.repeat(10_000) },
    { 'accept-encoding': 'br;q=abc, gzip;q=-1, *;q=2' },
    { 'x-request-id': 'a b <c> "d"' },
    { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    { range: 'bytes=999999999-' },
    { 'content-encoding': 'gzip', 'content-type': 'application/json' },
  ]
  for (const headers of random.sample(headerSets, 6)) {
    yield {
      method,
      url: base,
      headers: hasBody ? { 'content-type': 'application/json', ...headers } : headers,
      ...(hasBody ? { payload: JSON.stringify(bodySchema ? validValue(bodySchema) : {}) } : {}),
    }
  }
}

/** Pages outside the API, with the same kind of bad paths and queries. */
function* pageRequests(random: ReturnType<typeof generator>) {
  for (const base of [
    '/',
    '/blog',
    '/blog/x',
    '/tag/x',
    '/category/x',
    '/search',
    '/sitemap.xml',
    '/feed.xml',
    '/admin/setup',
    '/x/',
    '/media/x.png',
  ]) {
    for (const bad of random.sample(BAD_TEXT, 8)) {
      yield { method: 'GET', url: `${base}${base.endsWith('/') ? '' : '/'}${bad}` }
      yield { method: 'GET', url: `${base}?q=${bad}&page=${bad}&cursor=${bad}` }
    }
  }
}

const MAIN_TABLES = [
  'users',
  'sessions',
  'api_tokens',
  'one_time_tokens',
  'posts',
  'post_revisions',
  'post_tags',
  'post_categories',
  'tags',
  'categories',
  'redirects',
  'media',
  'media_variants',
  'settings',
  'mail_outbox',
  'jobs',
  'webhook_subscriptions',
  'webhook_deliveries',
]

/** Row counts of the main tables and the change feed's last id, as one comparable string. */
async function snapshot(db: Db): Promise<string> {
  const counts = MAIN_TABLES.map((table) => `(select count(*) from ${table})`).join(" || ',' || ")
  const result = await sql<{ s: string }>`select ${sql.raw(counts)} || ',' || (select coalesce(max(id), 0) from changes) as s`.execute(db)
  return result.rows[0]?.s as string
}

test('the OpenAPI walker: generated bad bodies, parameters and headers on every operation get a 4xx, never a 5xx, and write nothing', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const db = deps.db
  const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>
  }
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  )
  assert.ok(operations.length >= 50, `the document lists ${operations.length} operations`)

  let admin = await newAdmin(app, db)
  const post = await createPost(db, admin.user)
  const page = await createPost(db, admin.user, { type: 'page' })
  const goodIdFor = (path: string) =>
    path.startsWith('/api/v1/posts/') ? String(post.id) : path.startsWith('/api/v1/pages/') ? String(page.id) : '2147483647'

  const random = generator(SEED)
  const failures: string[] = []
  let sent = 0
  const statuses = new Map<string, number>()
  let last = await snapshot(db)

  async function send(request: Request, caller: Caller) {
    const headers = { ...(request.headers ?? {}), ...(caller === 'admin' ? admin.headers : {}) }
    const response = await app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers,
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    })
    sent++
    const key = `${caller} ${response.statusCode}`
    statuses.set(key, (statuses.get(key) ?? 0) + 1)
    const label = `${caller} ${request.method} ${request.url.slice(0, 120)} ${JSON.stringify(request.headers ?? {}).slice(0, 120)} ${(request.payload ?? '').slice(0, 120)}`
    if (response.statusCode >= 500) failures.push(`${response.statusCode} ${label}: ${response.body.slice(0, 200)}`)
    const now = await snapshot(db)
    if (response.statusCode >= 400 && now !== last) failures.push(`${response.statusCode} wrote rows (${last} → ${now}): ${label}`)
    if (
      response.statusCode >= 400 &&
      request.url.startsWith('/api/') &&
      !String(response.headers['content-type']).startsWith('application/problem+json')
    ) {
      failures.push(`${response.statusCode} without problem+json: ${label}`)
    } else if (response.statusCode >= 400 && request.url.startsWith('/api/')) {
      // Issue 10, item 8: every code is one of ours (never a framework's fst_…), documented with this status.
      const code = String(response.json().code)
      const known = Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : undefined
      if (!known || code.startsWith('fst_') || (code !== 'client_error' && known.status !== response.statusCode)) {
        failures.push(`${response.statusCode} with code ${code}: ${label}`)
      }
    }
    last = now
    // Sign the admin in again when a request ended its session (sign-out, a revoking change, a lock).
    if (
      caller === 'admin' &&
      response.statusCode === 401 &&
      (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: admin.headers })).statusCode === 401
    ) {
      admin = await newAdmin(app, db)
      last = await snapshot(db)
    }
  }

  for (const { path, method, operation } of operations) {
    for (const request of requestsFor(path, method, operation, goodIdFor(path), random)) {
      await send(request, 'anonymous')
      await send(request, 'admin')
    }
  }
  for (const request of pageRequests(random)) await send(request, 'anonymous')

  t.diagnostic(`${sent} requests over ${operations.length} operations`)
  t.diagnostic(
    [...statuses]
      .sort()
      .map(([key, count]) => `${key}: ${count}`)
      .join(', '),
  )
  // Bounded by the number of operations it walks (about 60 requests each).
  assert.ok(sent >= 20 * operations.length && sent <= 120 * operations.length, `sent ${sent} requests over ${operations.length} operations`)
  // The admin's requests reach validation and the services, not only the sign-in check.
  const adminPast = [...statuses].filter(([key]) => /^admin (2\d\d|400|404|409)$/.test(key)).reduce((sum, [, count]) => sum + count, 0)
  assert.ok(adminPast > sent / 4, `only ${adminPast} admin requests got past authentication`)
  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} failures`)
})

/** A fresh admin signed in with a session and its CSRF token. */
async function newAdmin(app: App, db: Db) {
  const user = await createUser(db, { role: 'admin' })
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } })
  assert.equal(login.statusCode, 200, login.body)
  const cookie = (login.headers['set-cookie'] as string).split(';')[0] as string
  const csrf = (await app.inject({ method: 'GET', url: '/api/v1/auth/csrf', headers: { cookie } })).json().token as string
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}
