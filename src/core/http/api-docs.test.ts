import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { buildTestApp } from '../../../test/app.ts'
import { docsContentSecurityPolicy, readRedocBundle } from './api-docs.ts'

/** The CSP's directives by name ("script-src" → ["'self'"]). */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  )
}

/** The reference page's script (the bundle), from the page itself. */
function scriptPathOf(html: string): string {
  const match = /<script src="([^"]+)"><\/script>/.exec(html)
  assert.ok(match, `no script element in ${html}`)
  return match[1] as string
}

describe('GET /api', () => {
  test('answers a JSON index whose links all answer', async (t) => {
    const { app } = await buildTestApp(t)
    const response = await app.inject({ method: 'GET', url: '/api' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^application\/json/)
    const index = response.json()
    assert.deepEqual(index, { name: 'Plinth API', openapi: '/api/openapi.json', docs: '/api/docs', v1: '/api/v1/' })
    const document = await app.inject({ method: 'GET', url: index.openapi })
    assert.equal(document.statusCode, 200)
    assert.equal(document.json().openapi, '3.1.0')
    const docs = await app.inject({ method: 'GET', url: index.docs })
    assert.equal(docs.statusCode, 200)
    assert.match(String(docs.headers['content-type']), /^text\/html/)
  })

  test('sends a browser asking for HTML on to the reference, and a JSON client the index', async (t) => {
    const { app } = await buildTestApp(t)
    const cases: [accept: string | undefined, redirected: boolean][] = [
      ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true], // Chromium's navigation
      ['text/html', true],
      ['application/json', false],
      ['application/json, text/html', false],
      ['*/*', false], // fetch() and curl
      [undefined, false],
      ['garbage;;;q=x', false],
    ]
    for (const [accept, redirected] of cases) {
      const response = await app.inject({ method: 'GET', url: '/api', headers: accept === undefined ? {} : { accept } })
      assert.equal(response.statusCode, redirected ? 302 : 200, `Accept: ${accept}`)
      assert.match(String(response.headers.vary), /accept/i)
      if (redirected) assert.equal(response.headers.location, '/api/docs')
      else assert.equal(response.json().docs, '/api/docs')
    }
  })

  test('keeps the CORS hook’s Vary: Origin when it adds its own', async (t) => {
    const { app } = await buildTestApp(t, { env: { CORS_ORIGINS: 'http://localhost:5173' } })
    const page = await app.inject({ method: 'GET', url: '/api/docs' })
    for (const url of ['/api', '/api/docs', scriptPathOf(page.body)]) {
      const response = await app.inject({ method: 'GET', url, headers: { origin: 'http://localhost:5173' } })
      assert.equal(response.statusCode, 200, url)
      const fields = String(response.headers.vary)
        .toLowerCase()
        .split(',')
        .map((field) => field.trim())
      assert.ok(fields.includes('origin'), `${url}: ${response.headers.vary}`)
      assert.ok(fields.includes(url === '/api' ? 'accept' : 'accept-encoding'), `${url}: ${response.headers.vary}`)
    }
  })

  test('answers 304 to its own ETag', async (t) => {
    const { app } = await buildTestApp(t)
    const first = await app.inject({ method: 'GET', url: '/api' })
    const etag = String(first.headers.etag)
    assert.match(etag, /^"[\w-]+"$/)
    const again = await app.inject({ method: 'GET', url: '/api', headers: { 'if-none-match': etag } })
    assert.equal(again.statusCode, 304)
    assert.equal(again.body, '')
    const other = await app.inject({ method: 'GET', url: '/api', headers: { 'if-none-match': '"other"' } })
    assert.equal(other.statusCode, 200)
  })

  test('other methods and unknown paths under /api/docs are 4xx problems, never 5xx', async (t) => {
    const { app } = await buildTestApp(t)
    const cases: [method: 'POST' | 'DELETE' | 'GET', url: string][] = [
      ['POST', '/api'],
      ['DELETE', '/api/docs'],
      ['GET', '/api/docs/redoc.standalone.js'], // only the hashed name exists
      ['GET', '/api/docs/redoc.standalone.000000000000.js'],
      ['GET', '/api/docs/..%2f..%2fetc%2fpasswd'],
    ]
    for (const [method, url] of cases) {
      const response = await app.inject({ method, url })
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${method} ${url}: ${response.statusCode}`)
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/, `${method} ${url}`)
    }
  })
})

describe('GET /api/docs', () => {
  test('a page that loads the Redoc bundle from this site, under a CSP with scripts from self only', async (t) => {
    const { app } = await buildTestApp(t)
    const page = await app.inject({ method: 'GET', url: '/api/docs' })
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /<redoc spec-url="\/api\/openapi.json"/)
    assert.doesNotMatch(page.body, /https?:\/\//, 'nothing loaded from another site')
    assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<]/, 'no inline script')
    const csp = directives(String(page.headers['content-security-policy']))
    assert.deepEqual(csp.get('script-src'), ["'self'"])
    assert.deepEqual(csp.get('style-src'), ["'self'", "'unsafe-inline'"])
    assert.deepEqual(csp.get('worker-src'), ['blob:'])
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], 'the rest of the site policy stays')
    assert.deepEqual(csp.get('default-src'), ["'self'"])

    const script = scriptPathOf(page.body)
    assert.match(script, /^\/api\/docs\/redoc\.standalone\.[\w-]{12}\.js$/)
    const bundle = await app.inject({ method: 'GET', url: script })
    assert.equal(bundle.statusCode, 200)
    assert.match(String(bundle.headers['content-type']), /^text\/javascript/)
    assert.equal(bundle.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.ok(bundle.rawPayload.equals(readRedocBundle()), 'the bundle from node_modules, as read')
    assert.doesNotMatch(bundle.body.slice(-200), /sourceMappingURL/)
    assert.doesNotMatch(bundle.body, /cdn\.redoc\.ly/, 'nothing from Redocly’s CDN')
  })

  test('the relaxed CSP is the reference page’s alone', async (t) => {
    const { app } = await buildTestApp(t)
    for (const url of ['/api', '/api/openapi.json', '/api/v1/site', '/']) {
      const response = await app.inject({ method: 'GET', url })
      const csp = directives(String(response.headers['content-security-policy']))
      assert.deepEqual(csp.get('style-src'), ["'self'"], url)
      assert.equal(csp.get('worker-src'), undefined, url)
    }
  })

  test('the page and the bundle carry ETags and answer 304', async (t) => {
    const { app } = await buildTestApp(t)
    const page = await app.inject({ method: 'GET', url: '/api/docs' })
    for (const url of ['/api/docs', scriptPathOf(page.body)]) {
      const first = await app.inject({ method: 'GET', url })
      const etag = String(first.headers.etag)
      assert.match(etag, /^"[\w-]+"$/, url)
      const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })
      assert.equal(again.statusCode, 304, url)
      assert.equal(again.body, '', url)
      assert.equal(again.headers.etag, etag, url)
    }
  })

  test('the bundle is sent compressed as the client accepts (brotli first), each form the same bytes', async (t) => {
    const { app } = await buildTestApp(t)
    const script = scriptPathOf((await app.inject({ method: 'GET', url: '/api/docs' })).body)
    const original = readRedocBundle()
    const cases: [acceptEncoding: string | undefined, encoding: 'br' | 'gzip' | undefined][] = [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['gzip;q=0', undefined],
      ['identity', undefined],
      ['BR', 'br'],
      [',,;;q=', undefined],
      [undefined, undefined],
    ]
    for (const [acceptEncoding, encoding] of cases) {
      const response = await app.inject({
        method: 'GET',
        url: script,
        headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
      })
      assert.equal(response.statusCode, 200, String(acceptEncoding))
      assert.equal(response.headers['content-encoding'], encoding, String(acceptEncoding))
      assert.match(String(response.headers.vary), /accept-encoding/i)
      const body =
        encoding === 'br'
          ? brotliDecompressSync(response.rawPayload)
          : encoding === 'gzip'
            ? gunzipSync(response.rawPayload)
            : response.rawPayload
      assert.ok(body.equals(original), `${acceptEncoding}: the same bytes`)
      if (encoding) assert.ok(response.rawPayload.length < original.length / 3, `${acceptEncoding}: compressed`)
    }
  })
})

describe('docsContentSecurityPolicy', () => {
  test('adds inline styles and blob workers, keeps every other directive, never loosens scripts', () => {
    const cases: [site: string, expected: string][] = [
      [
        "default-src 'self';script-src 'self';style-src 'self';frame-ancestors 'none'",
        "default-src 'self';script-src 'self';frame-ancestors 'none';style-src 'self' 'unsafe-inline';worker-src blob:",
      ],
      [
        "default-src 'self'; style-src 'self'; worker-src 'none'; upgrade-insecure-requests",
        "default-src 'self';upgrade-insecure-requests;style-src 'self' 'unsafe-inline';worker-src blob:",
      ],
      ["script-src 'self';", "script-src 'self';style-src 'self' 'unsafe-inline';worker-src blob:"],
    ]
    for (const [site, expected] of cases) assert.equal(docsContentSecurityPolicy(site), expected)
  })
})
