import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { COMPRESS_FROM_BYTES } from './compression.ts'
import { compressedPages, sendPublicPage } from './public-page.ts'

// An anonymous page's compressed forms are kept by its ETag (compressedPages, 8 MB): what the cache counts
// must be what it holds, whatever order the encodings are asked in, or its bound means nothing.

/** A test app with /probe/:n: a page of its own per n (random, so it barely compresses), `bytes` long. */
async function probeApp(t: test.TestContext) {
  const bodies = new Map<string, string>()
  const bodyOf = (n: string, bytes: number) => {
    const key = `${n}:${bytes}`
    if (!bodies.has(key))
      bodies.set(
        key,
        `<p>${randomBytes(bytes)
          .toString('base64')
          .slice(0, bytes - 7)}</p>`,
      )
    return bodies.get(key) as string
  }
  return buildTestApp(t, {
    routes: (site) => {
      site.get<{ Params: { n: string }; Querystring: { bytes?: string } }>('/probe/:n', (request, reply) =>
        sendPublicPage(request, reply, { body: bodyOf(request.params.n, Number(request.query.bytes ?? 6000)), tags: ['site'] }),
      )
    },
  })
}

const get = (testApp: TestApp, url: string, encoding?: string, method: 'GET' | 'HEAD' = 'GET') =>
  testApp.app.inject({ method, url, headers: encoding ? { 'accept-encoding': encoding } : {} })

/** The bytes the kept forms hold, as the cache's size calculation counts them. */
const held = () => [...compressedPages.values()].reduce((sum, forms) => sum + 100 + (forms.br?.length ?? 0) + (forms.gzip?.length ?? 0), 0)

test('the kept forms are counted as they grow: plain, then br, then gzip; HEAD after br', async (t) => {
  const testApp = await probeApp(t)
  const url = `/probe/${randomBytes(4).toString('hex')}`
  const before = compressedPages.calculatedSize
  const plain = await get(testApp, url)
  assert.equal(plain.headers['content-encoding'], undefined)
  assert.equal(plain.headers.vary, 'Accept-Encoding')
  assert.equal(compressedPages.calculatedSize, before, 'nothing compressed, nothing kept')

  const br = await get(testApp, url, 'br')
  assert.equal(br.headers['content-encoding'], 'br')
  assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body)
  const gzip = await get(testApp, url, 'gzip')
  assert.equal(gzip.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body)
  assert.equal(compressedPages.calculatedSize - before, 100 + br.rawPayload.length + gzip.rawPayload.length)
  assert.equal(compressedPages.calculatedSize, held(), 'the cache counts what it holds')

  // Kept: the same bytes again, and HEAD answers the length GET would send, in the encoding asked for.
  assert.deepEqual((await get(testApp, url, 'gzip, br')).rawPayload, br.rawPayload)
  for (const [encoding, form] of [
    ['br', br],
    ['gzip', gzip],
    [undefined, plain],
  ] as const) {
    const head = await get(testApp, url, encoding, 'HEAD')
    assert.equal(head.statusCode, 200)
    assert.equal(head.rawPayload.length, 0)
    assert.equal(head.headers['content-encoding'], encoding)
    assert.equal(Number(head.headers['content-length']), form.rawPayload.length, `HEAD ${encoding ?? 'identity'}`)
    assert.equal(head.headers.etag, plain.headers.etag)
  }
})

test('many pages asked for plain first, then compressed: the cache stays within its bound', async (t) => {
  const testApp = await probeApp(t)
  // 200 pages of 60 KB: about 24 MB of compressed forms, three times the cache's 8 MB.
  for (let i = 0; i < 200; i++) {
    const url = `/probe/many-${i}?bytes=60000`
    await get(testApp, url)
    await get(testApp, url, 'br')
    await get(testApp, url, 'gzip')
  }
  assert.equal(compressedPages.calculatedSize, held())
  assert.ok(held() <= compressedPages.maxSize, `${held()} bytes held`)
})

test(`a page under ${COMPRESS_FROM_BYTES} bytes is sent as it is and keeps no entry`, async (t) => {
  const testApp = await probeApp(t)
  const entries = compressedPages.size
  const small = await get(testApp, `/probe/small?bytes=${COMPRESS_FROM_BYTES - 1}`, 'br')
  assert.equal(small.headers['content-encoding'], undefined)
  assert.equal(small.headers.vary, undefined)
  assert.equal(small.rawPayload.length, COMPRESS_FROM_BYTES - 1)
  assert.equal(compressedPages.size, entries)
})
