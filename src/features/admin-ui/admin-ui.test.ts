import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import { createReservedPaths } from '#core/http/reserved-paths.ts'
import { buildTestApp } from '../../../test/app.ts'
import { adminUiRoutes, pickEncoding } from './admin-ui.routes.ts'
import { ADMIN_DIST_DIR, readAdminBuild } from './manifest.ts'

// These read the admin as `npm install` / `npm run build:admin` built it (dist/admin).
const build = readAdminBuild()
assert.ok(build, 'dist/admin is not built: run npm run build:admin')
const { manifest } = build

describe('the admin UI at /admin (issue 13)', () => {
  test('/admin and any screen path answer the shell: no inline script, CSP script-src self, not cached, no referrer', async (t) => {
    const { app } = await buildTestApp(t)
    for (const url of ['/admin', '/admin/', '/admin/posts/12', '/admin/setup?token=abc', '/admin/no/such/screen']) {
      const response = await app.inject({ method: 'GET', url })
      assert.equal(response.statusCode, 200, url)
      assert.match(String(response.headers['content-type']), /^text\/html; charset=utf-8/, url)
      assert.equal(response.headers['cache-control'], 'no-cache', url)
      assert.equal(response.headers['referrer-policy'], 'no-referrer', url)
      const csp = String(response.headers['content-security-policy'])
      assert.match(csp, /script-src 'self'(;|$)/, url)
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url)
      // Every script has a src (none inline), and it is the build's entry.
      const scripts = [...response.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
      assert.deepEqual(
        scripts.map((match) => [match[1]?.trim(), match[2]]),
        [[`type="module" src="/admin/assets/${manifest.entry}"`, '']],
        url,
      )
      assert.ok(!/ style=/.test(response.body), `${url}: no inline style`)
    }
    const head = await app.inject({ method: 'HEAD', url: '/admin' })
    assert.equal(head.statusCode, 200)
  })

  test('assets: every built file, precompressed by what the client accepts, cached for a year', async (t) => {
    const { app } = await buildTestApp(t)
    for (const file of Object.keys(manifest.files)) {
      const raw = fs.readFileSync(path.join(ADMIN_DIST_DIR, 'assets', file))
      const url = `/admin/assets/${file}`
      const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } })
      assert.equal(br.statusCode, 200, file)
      assert.equal(br.headers['content-encoding'], 'br', file)
      assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable', file)
      assert.match(String(br.headers.vary), /Accept-Encoding/i, file)
      assert.match(String(br.headers['content-type']), file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/, file)
      assert.ok(brotliDecompressSync(br.rawPayload).equals(raw), `${file}: brotli body`)

      const gzip = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } })
      assert.equal(gzip.headers['content-encoding'], 'gzip', file)
      assert.ok(gunzipSync(gzip.rawPayload).equals(raw), `${file}: gzip body`)

      const plain = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'identity' } })
      assert.equal(plain.headers['content-encoding'], undefined, file)
      assert.ok(plain.rawPayload.equals(raw), `${file}: plain body`)
    }
  })

  test('names the manifest does not list are 404, never the shell or a file outside the assets', async (t) => {
    const { app } = await buildTestApp(t)
    for (const url of [
      '/admin/assets/nope.js',
      '/admin/assets/..%2Fmanifest.json',
      '/admin/assets/..%2Findex.html',
      '/admin/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      `/admin/assets/${manifest.entry}.br`,
      '/admin/assets/a/b.js',
      `/admin/assets/${'x'.repeat(150)}.js`,
    ]) {
      const response = await app.inject({ method: 'GET', url })
      assert.equal(
        response.statusCode,
        404,
        `${url}: ${response.statusCode} ${response.headers.location ?? ''} ${response.body.slice(0, 200)}`,
      )
      assert.doesNotMatch(response.body, /<div id="app">/, url)
    }
  })

  test('a server whose admin is not built says how to build it (503), and serves no asset', async () => {
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-admin-unbuilt-'))
    try {
      adminUiRoutes(app, { paths: createReservedPaths() }, empty)
      const shell = await app.inject({ method: 'GET', url: '/admin/sign-in' })
      assert.equal(shell.statusCode, 503)
      assert.match(shell.body, /npm run build:admin/)
      assert.equal((await app.inject({ method: 'GET', url: `/admin/assets/${manifest.entry}` })).statusCode, 404)
    } finally {
      await app.close()
      fs.rmSync(empty, { recursive: true, force: true })
    }
  })

  test('pickEncoding: brotli, then gzip, honouring q=0; identity otherwise', () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'identity'],
      ['', 'identity'],
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip;q=0.5', 'gzip'],
      ['BR', 'br'],
      ['gzip;q=0', 'identity'],
      ['deflate', 'identity'],
      ['*', 'identity'],
    ]
    for (const [header, expected] of cases) assert.equal(pickEncoding(header), expected, String(header))
  })
})
