import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import sharp from 'sharp'
import { buildMediaApp, countMediaOf, makeImage, signedIn, storedFiles, uploadFile } from './media.testing.ts'

describe('media uploads', () => {
  test('an author uploads a JPEG with alt text; it is served publicly, immutable and nosniff', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const bytes = await makeImage('jpeg', { width: 120, height: 80 })
    const response = await uploadFile(testApp, author.headers, { bytes, filename: 'photo.jpg' }, { alt: 'A red square' })
    assert.equal(response.statusCode, 201, response.body)
    const media = response.json()
    assert.equal(media.mime_type, 'image/jpeg')
    assert.equal(media.alt, 'A red square')
    assert.equal(media.original_name, 'photo.jpg')
    assert.equal(media.owner_id, author.user.id)
    assert.deepEqual([media.width, media.height], [120, 80])
    assert.match(media.url, /^\/media\/[0-9a-f]{64}\.jpg$/)
    assert.equal(media.url, `/media/${media.sha256}.jpg`)

    const file = await testApp.app.inject({ method: 'GET', url: media.url })
    assert.equal(file.statusCode, 200)
    assert.equal(file.headers['content-type'], 'image/jpeg')
    assert.equal(file.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal(file.headers['x-content-type-options'], 'nosniff')
    assert.equal(Number(file.headers['content-length']), media.size_bytes)
    assert.equal((await sharp(file.rawPayload).metadata()).format, 'jpeg')

    const again = await testApp.app.inject({ method: 'GET', url: media.url, headers: { 'if-none-match': file.headers.etag as string } })
    assert.equal(again.statusCode, 304)
  })

  test('EXIF (camera, artist, copyright) is removed and the orientation is applied to the pixels', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const bytes = await sharp(await makeImage('jpeg', { width: 80, height: 40 }))
      .withExif({ IFD0: { Copyright: 'Secret Person', Artist: 'Secret Person', Make: 'Camera Co' } })
      .withMetadata({ orientation: 6 })
      .toBuffer()
    const input = await sharp(bytes).metadata()
    assert.ok(input.exif?.includes('Secret Person'), 'the test image carries EXIF')
    assert.equal(input.orientation, 6)

    const response = await uploadFile(testApp, author.headers, { bytes, filename: 'camera.jpg' })
    assert.equal(response.statusCode, 201, response.body)
    const media = response.json()
    assert.deepEqual([media.width, media.height], [40, 80], 'rotated by its orientation tag')
    const stored = (await testApp.app.inject({ method: 'GET', url: media.url })).rawPayload
    const output = await sharp(stored).metadata()
    assert.equal(output.exif, undefined)
    assert.equal(output.xmp, undefined)
    assert.equal(output.orientation, undefined)
    assert.ok(!stored.includes('Secret Person'))
    assert.ok(!stored.includes('Camera Co'))
  })

  test('the same bytes uploaded twice are stored once; the file goes only with its last user', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const bytes = await makeImage('png')
    const first = (await uploadFile(testApp, author.headers, { bytes, filename: 'a.png' })).json()
    const second = (await uploadFile(testApp, author.headers, { bytes, filename: 'b.png' })).json()
    assert.notEqual(first.id, second.id)
    assert.equal(first.sha256, second.sha256)
    assert.deepEqual(storedFiles(testApp.dataDir), [`${first.sha256}.png`])

    const deleteFirst = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/media/${first.id}`, headers: author.headers })
    assert.equal(deleteFirst.statusCode, 204)
    assert.equal((await testApp.app.inject({ method: 'GET', url: `/api/v1/media/${first.id}`, headers: author.headers })).statusCode, 404)
    assert.equal((await testApp.app.inject({ method: 'GET', url: second.url })).statusCode, 200, 'still used by the second record')

    await testApp.app.inject({ method: 'DELETE', url: `/api/v1/media/${second.id}`, headers: author.headers })
    assert.equal((await testApp.app.inject({ method: 'GET', url: second.url })).statusCode, 404)
    assert.deepEqual(storedFiles(testApp.dataDir), [])
  })

  test('a PDF is accepted and served as a download, never inline', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
    const response = await uploadFile(testApp, author.headers, { bytes: pdf, filename: 'doc.pdf' })
    assert.equal(response.statusCode, 201, response.body)
    assert.equal(response.json().mime_type, 'application/pdf')
    assert.equal(response.json().variants_status, 'none')
    const file = await testApp.app.inject({ method: 'GET', url: response.json().url })
    assert.equal(file.headers['content-type'], 'application/pdf')
    assert.match(file.headers['content-disposition'] as string, /^attachment/)
    assert.match(file.headers['content-security-policy'] as string, /sandbox/)
  })
})

describe('upload type checks (by the bytes, never the name)', () => {
  test('HTML named .png and sent as image/png is refused with 415 and nothing is written', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>')
    const response = await uploadFile(testApp, author.headers, { bytes: html, filename: 'cat.png', contentType: 'image/png' })
    assert.equal(response.statusCode, 415, response.body)
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
    assert.equal(response.json().errors[0].field, 'file')
    assert.equal(await countMediaOf(testApp, author.user.id), 0)
    assert.deepEqual(storedFiles(testApp.dataDir), [])
  })

  test('an SVG (with or without script) is refused', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>')
    const response = await uploadFile(testApp, author.headers, { bytes: svg, filename: 'logo.svg', contentType: 'image/svg+xml' })
    assert.equal(response.statusCode, 415)
    assert.equal(await countMediaOf(testApp, author.user.id), 0)
  })

  test('a GIF header followed by script (a polyglot) does not decode and is refused', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const polyglot = Buffer.from('GIF89a/*\x00\x00*/=1;alert(document.domain)//<script>alert(1)</script>')
    const response = await uploadFile(testApp, author.headers, { bytes: polyglot, filename: 'x.gif', contentType: 'image/gif' })
    assert.equal(response.statusCode, 400, response.body)
    assert.equal(response.json().errors[0].field, 'file')
    assert.equal(await countMediaOf(testApp, author.user.id), 0)
  })

  test('a real GIF with script appended is stored re-encoded (the script gone) and served as image/gif with nosniff', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const gif = Buffer.concat([await makeImage('gif'), Buffer.from('<script>alert(1)</script>')])
    const response = await uploadFile(testApp, author.headers, { bytes: gif, filename: 'x.gif' })
    assert.equal(response.statusCode, 201, response.body)
    const file = await testApp.app.inject({ method: 'GET', url: response.json().url })
    assert.equal(file.headers['content-type'], 'image/gif')
    assert.equal(file.headers['x-content-type-options'], 'nosniff')
    assert.ok(!file.rawPayload.includes('<script>'))
  })

  test('a file over MEDIA_MAX_BYTES gets 413 and nothing is written', async (t) => {
    const testApp = await buildMediaApp(t, { MEDIA_MAX_BYTES: '4096' })
    const author = await signedIn(testApp, 'author')
    const big = Buffer.concat([await makeImage('png'), Buffer.alloc(8192, 1)])
    const response = await uploadFile(testApp, author.headers, { bytes: big, filename: 'big.png' })
    assert.equal(response.statusCode, 413, response.body)
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/)
    assert.equal(await countMediaOf(testApp, author.user.id), 0)
    assert.deepEqual(storedFiles(testApp.dataDir), [])
  })
})
