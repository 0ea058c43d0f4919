import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { brotliDecompressSync } from 'node:zlib'
import { Type } from 'typebox'
import { buildTestApp } from '../../../test/app.ts'

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789'
const metricsAuth = { authorization: `Bearer ${METRICS_TOKEN}` }

describe('errors', () => {
  async function appWithProbeRoutes(t: Parameters<typeof buildTestApp>[0]) {
    return buildTestApp(t, {
      routes: (app) => {
        app.post(
          '/api/v1/echo',
          {
            schema: {
              body: Type.Object(
                {
                  email: Type.String({ format: 'email', maxLength: 254 }),
                  age: Type.Integer({ minimum: 0, maximum: 150 }),
                  name: Type.String({ minLength: 1, maxLength: 10 }),
                },
                { additionalProperties: false },
              ),
              querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
            },
          },
          async (request) => request.body,
        )
        app.get('/api/v1/explode', async () => {
          throw new Error('secret detail: password=hunter2')
        })
        app.get('/explode', async () => {
          throw new Error('secret detail: password=hunter2')
        })
      },
    })
  }

  test('a validation error is problem+json listing each offending field', async (t) => {
    const { app } = await appWithProbeRoutes(t)
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/echo?limit=500',
      payload: { email: 'a@example.com', age: 3, name: 'Al' },
    })
    assert.equal(response.statusCode, 400)
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
    const body = response.json()
    assert.equal(body.status, 400)
    assert.equal(body.title, 'Bad Request')
    assert.equal(body.code, 'validation_failed')
    assert.equal(body.type, 'urn:plinth:problem:validation_failed')
    assert.equal(body.request_id, response.headers['x-request-id'])
    assert.deepEqual(body.errors, [{ field: 'limit', in: 'querystring', message: 'must be <= 100' }])

    const bodyErrors = await app.inject({ method: 'POST', url: '/api/v1/echo', payload: { email: 'nope', age: -3, extra: 1 } })
    const fields = bodyErrors.json().errors as { field: string; in: string; message: string }[]
    assert.deepEqual(fields.map((f) => f.field).sort(), ['age', 'email', 'extra', 'name'])
    assert.ok(fields.every((f) => f.in === 'body' && f.message.length > 0))
    assert.equal(fields.find((f) => f.field === 'extra')?.message, 'is not an allowed property')
    assert.equal(fields.find((f) => f.field === 'name')?.message, "must have required property 'name'")
  })

  const badBodies: [string, { payload: string; headers: Record<string, string> }, number][] = [
    ['malformed JSON', { payload: '{"email": ', headers: { 'content-type': 'application/json' } }, 400],
    ['a JSON array instead of an object', { payload: '[1,2]', headers: { 'content-type': 'application/json' } }, 400],
    ['an unsupported media type', { payload: 'email=a', headers: { 'content-type': 'text/csv' } }, 415],
    [
      'a body over the limit',
      { payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }), headers: { 'content-type': 'application/json' } },
      413,
    ],
    [
      'a wrong type',
      { payload: '{"email":"a@example.com","age":"old","name":"Al"}', headers: { 'content-type': 'application/json' } },
      400,
    ],
    [
      'a string too long',
      { payload: '{"email":"a@example.com","age":3,"name":"Alexandrina the Great"}', headers: { 'content-type': 'application/json' } },
      400,
    ],
    [
      'a body nested 40 levels deep',
      { payload: `${'['.repeat(40)}${']'.repeat(40)}`, headers: { 'content-type': 'application/json' } },
      400,
    ],
    ['an empty JSON body', { payload: '', headers: { 'content-type': 'application/json' } }, 400],
    [
      'a constructor pollution attempt',
      {
        payload: '{"constructor":{"prototype":{"admin":true}},"email":"a@example.com","age":3,"name":"Al"}',
        headers: { 'content-type': 'application/json' },
      },
      400,
    ],
    [
      'a prototype pollution attempt',
      {
        payload: '{"__proto__":{"admin":true},"email":"a@example.com","age":3,"name":"Al"}',
        headers: { 'content-type': 'application/json' },
      },
      400,
    ],
  ]
  for (const [name, request, status] of badBodies) {
    test(`${name} gets ${status} problem+json, never a 500`, async (t) => {
      const { app } = await appWithProbeRoutes(t)
      const response = await app.inject({ method: 'POST', url: '/api/v1/echo', ...request })
      assert.equal(response.statusCode, status)
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
      const body = response.json()
      assert.equal(body.status, status)
      assert.ok(typeof body.detail === 'string' && body.detail.length > 0)
    })
  }

  test('a JSON body nested deeper than 32 levels is refused before validation', async (t) => {
    const { app } = await appWithProbeRoutes(t)
    const nested = (depth: number) => `{"email":"a@example.com","age":3,"name":"Al","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`
    const deep = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      headers: { 'content-type': 'application/json' },
      payload: nested(33),
    })
    assert.equal(deep.statusCode, 400)
    assert.equal(deep.json().detail, 'The JSON body is nested deeper than 32 levels.')
    const fine = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      headers: { 'content-type': 'application/json' },
      payload: nested(32),
    })
    assert.equal(fine.statusCode, 400)
    assert.equal(fine.json().code, 'validation_failed', 'depth 32 passes the parser and reaches validation (x is not allowed)')
  })

  test('a 500 under /api says nothing of the cause, and the cause goes to the log', async (t) => {
    const { app, logs } = await appWithProbeRoutes(t)
    const response = await app.inject({ method: 'GET', url: '/api/v1/explode', headers: { 'x-request-id': 'trace-500' } })
    assert.equal(response.statusCode, 500)
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
    assert.doesNotMatch(response.body, /secret|hunter2|Error:|\bat .*\.ts/)
    assert.deepEqual(response.json(), {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Something went wrong on our side. Quote request id trace-500 when reporting it.',
      code: 'internal_error',
      request_id: 'trace-500',
    })
    const logged = logs().find((line) => line.reqId === 'trace-500' && line.level === 50) as { err?: { message: string; stack: string } }
    assert.equal(logged?.err?.message, 'secret detail: password=hunter2')
    assert.match(logged?.err?.stack ?? '', /http\.test\.ts/)
  })

  test('a 500 outside /api is an HTML page without the cause', async (t) => {
    const { app } = await appWithProbeRoutes(t)
    const response = await app.inject({ method: 'GET', url: '/explode' })
    assert.equal(response.statusCode, 500)
    assert.match(response.headers['content-type'] as string, /^text\/html/)
    assert.match(response.body, /<h1>500 Internal Server Error<\/h1>/)
    assert.doesNotMatch(response.body, /secret|hunter2|\bat .*\.ts/)
  })

  test('an unknown path is a 404: problem+json under /api, HTML elsewhere, with the path escaped', async (t) => {
    const { app } = await buildTestApp(t)
    const api = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
    assert.equal(api.statusCode, 404)
    assert.equal(api.json().code, 'not_found')
    const page = await app.inject({ method: 'GET', url: '/no/<script>alert(1)</script>' })
    assert.equal(page.statusCode, 404)
    assert.match(page.headers['content-type'] as string, /^text\/html/)
    assert.doesNotMatch(page.body, /<script>/)
  })
})

describe('request id', () => {
  test('a well-formed X-Request-Id is kept, echoed and logged', async (t) => {
    const { app, logs } = await buildTestApp(t)
    const response = await app.inject({ method: 'GET', url: '/api/v1/site', headers: { 'x-request-id': 'lb-7f3a.2:9' } })
    assert.equal(response.headers['x-request-id'], 'lb-7f3a.2:9')
    assert.ok(logs().some((line) => line.reqId === 'lb-7f3a.2:9' && line.msg === 'request completed'))
  })

  for (const [name, value] of [
    ['too long', 'a'.repeat(129)],
    ['with spaces and markup', 'x <script>'],
    ['with a log-injecting newline', 'abc\\ninjected'],
  ]) {
    test(`an X-Request-Id ${name} is replaced by a generated one`, async (t) => {
      const { app } = await buildTestApp(t)
      const response = await app.inject({ method: 'GET', url: '/api/v1/site', headers: { 'x-request-id': value as string } })
      assert.match(response.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
    })
  }

  test('without X-Request-Id each response gets its own id', async (t) => {
    const { app } = await buildTestApp(t)
    const a = await app.inject({ method: 'GET', url: '/api/v1/site' })
    const b = await app.inject({ method: 'GET', url: '/api/v1/site' })
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id'])
  })
})

describe('health and readiness', () => {
  test('/healthz and /readyz answer 200 when ready', async (t) => {
    const { app } = await buildTestApp(t)
    const health = await app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(health.statusCode, 200)
    assert.deepEqual(health.json(), { status: 'ok' })
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(ready.statusCode, 200)
    assert.deepEqual(ready.json(), { status: 'ready' })
  })

  test('while starting, /healthz is 200, /readyz and other routes 503', async (t) => {
    const { app, lifecycle, logs } = await buildTestApp(t, { lifecycle: 'starting', env: { METRICS_TOKEN } })
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
    assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: metricsAuth })).statusCode, 200)
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(ready.json(), { status: 'starting' })
    const api = await app.inject({ method: 'GET', url: '/api/v1/site' })
    assert.equal(api.statusCode, 503)
    assert.equal(api.headers['retry-after'], '2')
    assert.equal(api.json().code, 'service_unavailable')
    // An expected 503 is a warning without a stack, not an error: a long database outage must not flood the error log.
    assert.ok(logs().some((line) => line.level === 40 && line.code === 'service_unavailable' && line.err === undefined))
    assert.ok(!logs().some((line) => (line.level as number) >= 50))
    lifecycle.state = 'ready'
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/site' })).statusCode, 200)
  })

  test('/readyz is 503 while stopping, though requests are still served', async (t) => {
    const { app, lifecycle } = await buildTestApp(t)
    lifecycle.state = 'stopping'
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(ready.json(), { status: 'stopping' })
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/site' })).statusCode, 200)
  })

  test('/readyz is 503 when the database does not answer', async (t) => {
    const { app, database } = await buildTestApp(t, { privateDatabase: true })
    await app.ready()
    await database.close()
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(ready.json(), { status: 'database_unreachable' })
  })
})

describe('HTTP defaults', () => {
  test('responses carry security headers and a strict CSP', async (t) => {
    const { app } = await buildTestApp(t)
    const response = await app.inject({ method: 'GET', url: '/api/v1/site' })
    const csp = response.headers['content-security-policy'] as string
    assert.match(csp, /default-src 'self'/)
    assert.match(csp, /object-src 'none'/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
    assert.equal(response.headers['referrer-policy'], 'strict-origin-when-cross-origin')
    assert.equal(response.headers['strict-transport-security'], undefined, 'no HSTS on plain http')
  })

  test('HSTS is on when the public URL is https', async (t) => {
    const { app } = await buildTestApp(t, { env: { PUBLIC_URL: 'https://example.com' } })
    const response = await app.inject({ method: 'GET', url: '/api/v1/site' })
    assert.match(response.headers['strict-transport-security'] as string, /max-age=31536000/)
  })

  test('responses over 1 KiB are compressed with brotli when accepted', async (t) => {
    const { app } = await buildTestApp(t, {
      routes: (site) =>
        site.get('/api/v1/large', async () => ({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, title: `Item number ${i}` })) })),
    })
    const plain = await app.inject({ method: 'GET', url: '/api/v1/large' })
    const compressed = await app.inject({ method: 'GET', url: '/api/v1/large', headers: { 'accept-encoding': 'br, gzip' } })
    assert.equal(compressed.headers['content-encoding'], 'br')
    assert.equal(brotliDecompressSync(compressed.rawPayload).toString(), plain.body)
  })

  test('/api/openapi.json is an OpenAPI 3.1 document of the /api/v1 routes', async (t) => {
    const { app } = await buildTestApp(t)
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
    assert.equal(response.statusCode, 200)
    const doc = response.json()
    assert.equal(doc.openapi, '3.1.0')
    assert.equal(doc.info.title, 'Plinth API')
    assert.ok(doc.paths['/api/v1/site'].get.responses['200'])
    assert.equal(doc.paths['/healthz'], undefined, 'probes are not part of the API')
  })

  test('/metrics is Prometheus text with a request histogram labelled by route pattern and status', async (t) => {
    const { app } = await buildTestApp(t, { env: { METRICS_TOKEN } })
    await app.inject({ method: 'GET', url: '/api/v1/site' })
    await app.inject({ method: 'GET', url: '/api/v1/unknown-thing-123' })
    const response = await app.inject({ method: 'GET', url: '/metrics', headers: metricsAuth })
    assert.equal(response.statusCode, 200)
    assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/)
    assert.match(
      response.body,
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/site",status_code="200"\} \d+/,
    )
    assert.match(response.body, /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/)
    assert.doesNotMatch(response.body, /unknown-thing-123/, 'raw URLs never become labels')
    assert.match(response.body, /process_cpu_user_seconds_total/)
  })
})

describe('probes', () => {
  test('/healthz skips the site hooks (request id, request metrics) but carries the security headers', async (t) => {
    const { app } = await buildTestApp(t, { env: { METRICS_TOKEN } })
    const health = await app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(health.statusCode, 200)
    assert.equal(health.headers['cache-control'], 'no-store')
    assert.match(health.headers['content-security-policy'] as string, /frame-ancestors 'none'/)
    assert.equal(health.headers['x-request-id'], undefined)
    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: metricsAuth })
    assert.doesNotMatch(metrics.body, /route="\/healthz"/)
  })
})
