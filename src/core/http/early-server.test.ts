import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { Lifecycle } from '../lifecycle.ts'
import { listenEarly } from './early-server.ts'
import { SECURITY_HEADERS, securityHeadersFor } from './security-headers.ts'

test('while the app loads, the early server answers the probes and 503 to everything else; then the app gets every request', async (t) => {
  const lifecycle = new Lifecycle()
  const early = await listenEarly({ port: 0, host: '127.0.0.1', lifecycle, publicUrl: 'http://127.0.0.1:3000' })
  t.after(() => new Promise<void>((resolve) => early.server.close(() => resolve())))
  const base = `http://127.0.0.1:${(early.server.address() as AddressInfo).port}`

  const healthz = await fetch(`${base}/healthz`)
  assert.equal(healthz.status, 200)
  assert.equal(healthz.headers.get('cache-control'), 'no-store')
  // The same security headers as the app's answers (hardening.test.ts compares the values).
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(healthz.headers.get(name), value, name)
  assert.deepEqual(await healthz.json(), { status: 'ok' })

  const readyz = await fetch(`${base}/readyz?full=1`)
  assert.equal(readyz.status, 503)
  assert.deepEqual(await readyz.json(), { status: 'starting' })

  const api = await fetch(`${base}/api/v1/posts?limit=2`, { method: 'POST', headers: { 'x-request-id': 'probe-1' }, body: '{}' })
  assert.equal(api.status, 503)
  assert.equal(api.headers.get('content-type'), 'application/problem+json; charset=utf-8')
  assert.equal(api.headers.get('retry-after'), '2')
  assert.equal(api.headers.get('x-request-id'), 'probe-1')
  assert.deepEqual(await api.json(), {
    type: 'urn:plinth:problem:service_unavailable',
    title: 'Service Unavailable',
    status: 503,
    detail: 'Plinth is starting; try again in a moment.',
    code: 'service_unavailable',
    request_id: 'probe-1',
  })

  const page = await fetch(`${base}/blog/<script>`, { headers: { 'x-request-id': 'not well formed!' } })
  assert.equal(page.status, 503)
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
  assert.match(page.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'an ill-formed id is replaced')
  assert.match(await page.text(), /<h1>503 Service Unavailable<\/h1>/)
  assert.equal(page.headers.get('content-security-policy'), SECURITY_HEADERS['content-security-policy'])
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff')

  const head = await fetch(`${base}/`, { method: 'HEAD' })
  assert.equal(head.status, 503)
  assert.equal(await head.text(), '')

  lifecycle.state = 'stopping'
  assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'stopping' })
  assert.match(await (await fetch(`${base}/about`)).text(), /shutting down/)

  early.handOver((request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' })
    response.end(`app: ${request.url}`)
  })
  assert.equal(await (await fetch(`${base}/readyz`)).text(), 'app: /readyz')
  assert.equal(await (await fetch(`${base}/api/v1/posts`)).text(), 'app: /api/v1/posts')
})

test('for a site served over https, the early server adds HSTS and upgrade-insecure-requests, as the app does', async (t) => {
  const early = await listenEarly({ port: 0, host: '127.0.0.1', lifecycle: new Lifecycle(), publicUrl: 'https://www.example.com' })
  t.after(() => new Promise<void>((resolve) => early.server.close(() => resolve())))
  const healthz = await fetch(`http://127.0.0.1:${(early.server.address() as AddressInfo).port}/healthz`)
  for (const [name, value] of Object.entries(securityHeadersFor('https://www.example.com')))
    assert.equal(healthz.headers.get(name), value, name)
  assert.equal(healthz.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains')
})

test('a port in use is an error the server reports (it exits 1)', async (t) => {
  const first = await listenEarly({ port: 0, host: '127.0.0.1', lifecycle: new Lifecycle(), publicUrl: 'http://127.0.0.1:3000' })
  t.after(() => new Promise<void>((resolve) => first.server.close(() => resolve())))
  const { port } = first.server.address() as AddressInfo
  await assert.rejects(listenEarly({ port, host: '127.0.0.1', lifecycle: new Lifecycle(), publicUrl: 'http://127.0.0.1:3000' }), {
    code: 'EADDRINUSE',
  })
})
