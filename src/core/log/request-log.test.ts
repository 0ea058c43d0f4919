import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Type } from 'typebox'
import { buildTestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'

/** The app with a route that has a parameter, one that throws and one that validates its query. */
const appWithRoutes = (t: Parameters<typeof buildTestApp>[0]) =>
  buildTestApp(t, {
    routes: (site) => {
      site.get('/api/v1/things/:id', async () => ({ ok: true }))
      site.get('/api/v1/boom', async () => {
        throw new Error('boom')
      })
      site.get('/api/v1/limited', { schema: { querystring: Type.Object({ limit: Type.Integer({ maximum: 10 }) }) } }, async () => ({}))
    },
  })

type Line = Record<string, unknown>

/** The request lines ("request completed") of one request id. */
const requestLines = (logs: () => Line[], reqId: string) =>
  logs().filter((line) => line.reqId === reqId && (line.msg === 'request completed' || line.msg === 'request errored'))

describe('request log line', () => {
  test('one line per request: method, route pattern, path without the query string, status, ms, actor', async (t) => {
    const { app, logs } = await appWithRoutes(t)
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/things/7?token=secret-in-query&x=1',
      headers: { 'x-request-id': 'log-1' },
    })
    assert.equal(response.statusCode, 200)
    const lines = requestLines(logs, 'log-1')
    assert.equal(lines.length, 1, JSON.stringify(logs()))
    const { ms, ...line } = lines[0] as Line
    assert.equal(typeof ms, 'number')
    assert.ok((ms as number) >= 0)
    assert.deepEqual(
      { method: line.method, route: line.route, path: line.path, status: line.status, actor: line.actor, level: line.level },
      { method: 'GET', route: '/api/v1/things/:id', path: '/api/v1/things/7', status: 200, actor: null, level: 30 },
    )
    assert.equal(logs().filter((l) => l.reqId === 'log-1').length, 1, 'no "incoming request" line beside it')
  })

  test('a query string never reaches the log, whatever the outcome', async (t) => {
    const { app, logs } = await appWithRoutes(t)
    const cases: [string, string, number, string | null][] = [
      ['found', '/api/v1/things/8?token=secret-a', 200, '/api/v1/things/:id'],
      ['an unknown API path', '/api/v1/nothing?token=secret-b', 404, null],
      ['an unknown page', '/no/such/page?token=secret-c', 404, null],
      ['a bad query', '/api/v1/limited?limit=99&token=secret-d', 400, '/api/v1/limited'],
      ['a 500', '/api/v1/boom?token=secret-e', 500, '/api/v1/boom'],
      ['the setup link (the admin shell; its screen sends the token to the API)', '/admin/setup?token=secret-f', 200, '/admin/*'],
    ]
    for (const [index, [what, url, status, route]] of cases.entries()) {
      const reqId = `query-${index}`
      const response = await app.inject({ method: 'GET', url, headers: { 'x-request-id': reqId } })
      assert.equal(response.statusCode, status, `${what}: ${response.body}`)
      const lines = requestLines(logs, reqId)
      assert.equal(lines.length, 1, `${what}: one request line`)
      assert.equal(lines[0]?.route, route, what)
      assert.equal(lines[0]?.path, url.slice(0, url.indexOf('?')), what)
      assert.equal(lines[0]?.status, status, what)
    }
    const all = JSON.stringify(logs())
    assert.doesNotMatch(all, /secret-|token=/, 'no query string in any line')
  })

  test('a signed-in request carries the actor id; an anonymous one null', async (t) => {
    const { app, database, logs } = await buildTestApp(t)
    const user = await createUser(database.db)
    const session = await logIn(app, user.email)
    await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session.cookie, 'x-request-id': 'signed-in' } })
    await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-request-id': 'anonymous' } })
    const [signedIn] = requestLines(logs, 'signed-in')
    assert.deepEqual([signedIn?.route, signedIn?.status, signedIn?.actor], ['/api/v1/auth/me', 200, user.id])
    const [anonymous] = requestLines(logs, 'anonymous')
    assert.deepEqual([anonymous?.status, anonymous?.actor], [401, null])
  })

  test('probes, called all day by load balancers, write no request line', async (t) => {
    const { app, logs } = await buildTestApp(t)
    const response = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'probe' } })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(requestLines(logs, 'probe'), [])
  })
})
