import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { buildTestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import { codeForFrameworkError, ERROR_CODES, type ErrorCode } from './error-codes.ts'

describe('error codes a client can branch on (issue 10, item 8)', () => {
  test('each 4xx answers its own documented code', async (t) => {
    const { app, database } = await buildTestApp(t)
    const admin = await createUser(database.db, { role: 'admin', verified: true })
    const member = await createUser(database.db, { verified: true })
    const adminSession = await logIn(app, admin.email)
    const memberSession = await logIn(app, member.email)
    const asAdmin = { cookie: adminSession.cookie, 'x-csrf-token': adminSession.csrf }
    const createToken = async (scopes: string[]) => {
      const response = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: asAdmin, payload: { name: 't', scopes } })
      assert.equal(response.statusCode, 201, response.body)
      return `Bearer ${response.json().token}`
    }
    const readToken = await createToken(['read'])
    const writeToken = await createToken(['write'])
    const json = { ...asAdmin, 'content-type': 'application/json' }

    const cases: [string, InjectOptions, number, ErrorCode][] = [
      [
        'a write without the CSRF token',
        { method: 'POST', url: '/api/v1/posts', headers: { cookie: adminSession.cookie }, payload: {} },
        403,
        'csrf_token_missing',
      ],
      [
        'a write with a wrong CSRF token',
        { method: 'POST', url: '/api/v1/posts', headers: { cookie: adminSession.cookie, 'x-csrf-token': 'nope' }, payload: {} },
        403,
        'csrf_token_invalid',
      ],
      [
        'a cross-origin write',
        { method: 'POST', url: '/api/v1/posts', headers: { ...asAdmin, origin: 'https://evil.example' }, payload: {} },
        403,
        'origin_not_allowed',
      ],
      [
        'a cross-origin sign-in',
        {
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { origin: 'https://evil.example' },
          payload: { email: admin.email, password: 'x' },
        },
        403,
        'origin_not_allowed',
      ],
      [
        'an anonymous call to a session route',
        { method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'X' } },
        401,
        'authentication_required',
      ],
      [
        'an API token on a session route',
        { method: 'PATCH', url: '/api/v1/auth/me', headers: { authorization: writeToken }, payload: { name: 'X' } },
        403,
        'session_required',
      ],
      [
        'a bad Bearer token',
        { method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Bearer plinth_nope' } },
        401,
        'api_token_invalid',
      ],
      [
        'a wrong password',
        { method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'wrong password here' } },
        401,
        'invalid_credentials',
      ],
      [
        'a member on an editor route',
        { method: 'POST', url: '/api/v1/posts/1/publish', headers: { cookie: memberSession.cookie, 'x-csrf-token': memberSession.csrf } },
        403,
        'role_required',
      ],
      [
        'a read-scope token on a write route',
        { method: 'POST', url: '/api/v1/posts', headers: { authorization: readToken }, payload: {} },
        403,
        'scope_required',
      ],
      ['an empty JSON body', { method: 'POST', url: '/api/v1/posts', headers: json, payload: '' }, 400, 'empty_body'],
      ['malformed JSON', { method: 'POST', url: '/api/v1/posts', headers: json, payload: '{"title": ' }, 400, 'invalid_json'],
      ['a __proto__ key', { method: 'POST', url: '/api/v1/posts', headers: json, payload: '{"__proto__": {"x": 1}}' }, 400, 'invalid_json'],
      [
        'JSON nested too deep',
        { method: 'POST', url: '/api/v1/posts', headers: json, payload: `${'['.repeat(40)}${']'.repeat(40)}` },
        400,
        'json_too_deep',
      ],
      [
        'a content type no route accepts',
        { method: 'POST', url: '/api/v1/posts', headers: { ...asAdmin, 'content-type': 'application/xml' }, payload: '<post/>' },
        415,
        'unsupported_media_type',
      ],
      [
        'a JSON body in another charset',
        {
          method: 'POST',
          url: '/api/v1/posts',
          headers: { ...asAdmin, 'content-type': 'application/json; charset=latin1' },
          payload: '{}',
        },
        415,
        'unsupported_media_type',
      ],
      [
        'a body over the limit',
        { method: 'POST', url: '/api/v1/posts', headers: json, payload: JSON.stringify({ title: 'x'.repeat(1024 * 1024 + 1) }) },
        413,
        'body_too_large',
      ],
      ['invalid fields', { method: 'POST', url: '/api/v1/posts', headers: json, payload: { title: 3 } }, 400, 'validation_failed'],
      ['an unknown id', { method: 'POST', url: '/api/v1/posts/999999/publish', headers: asAdmin }, 404, 'not_found'],
      ['an unknown API path', { method: 'GET', url: '/api/v1/nothing-here' }, 404, 'not_found'],
    ]
    for (const [label, request, status, code] of cases) {
      const response = await app.inject(request)
      assert.equal(response.statusCode, status, `${label}: ${response.body}`)
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/, label)
      const body = response.json()
      assert.equal(body.code, code, `${label}: ${response.body}`)
      assert.equal(body.type, `urn:plinth:problem:${code}`, label)
      assert.equal(ERROR_CODES[code].status, status, `${code} is documented with status ${status}`)
    }
  })

  test('no client error of Fastify maps to a framework code', () => {
    const fastifyErrors = createRequire(import.meta.url)('fastify/lib/errors.js') as Record<
      string,
      new (
        ...args: string[]
      ) => { statusCode?: number }
    >
    let clientErrors = 0
    for (const [name, ErrorClass] of Object.entries(fastifyErrors)) {
      if (typeof ErrorClass !== 'function' || !name.startsWith('FST_')) continue
      const status = new ErrorClass('a', 'b', 'c').statusCode
      if (status === undefined || status < 400 || status >= 500) continue
      clientErrors++
      const code = codeForFrameworkError(name, status)
      assert.ok(!code.startsWith('fst_'), name)
      assert.ok(
        code === 'client_error' || ERROR_CODES[code].status === status || name.startsWith('FST_ERR_ROUTE_MISSING'),
        `${name} ${status} → ${code}`,
      )
    }
    assert.ok(clientErrors >= 8, `found ${clientErrors} client errors`)
    assert.equal(codeForFrameworkError('FST_SOMETHING_NEW', 418), 'client_error')
    assert.equal(codeForFrameworkError(undefined, 413), 'body_too_large')
  })

  test('every code is snake_case and listed in README', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
    for (const code of Object.keys(ERROR_CODES)) {
      assert.match(code, /^[a-z]+(_[a-z]+)*$/)
      assert.ok(readme.includes(`| \`${code}\` |`), `README lists ${code}`)
    }
  })
})
