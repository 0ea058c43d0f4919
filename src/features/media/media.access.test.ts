import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { buildMediaApp, countMediaOf, type MediaTestApp, makeImage, multipart, signedIn, uploadFile } from './media.testing.ts'

async function uploadAs(testApp: MediaTestApp, headers: Record<string, string>) {
  const response = await uploadFile(testApp, headers, { bytes: await makeImage('png'), filename: 'x.png' })
  assert.equal(response.statusCode, 201, response.body)
  return response.json() as { id: number; url: string }
}

describe('media permissions', () => {
  test('anonymous callers get 401 and members 403 on the API; anyone may fetch a public file', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const media = await uploadAs(testApp, author.headers)
    const member = await signedIn(testApp, 'member')
    const png = { bytes: await makeImage('png') }
    assert.equal((await uploadFile(testApp, {}, png)).statusCode, 401)
    assert.equal((await uploadFile(testApp, member.headers, png)).statusCode, 403)
    assert.equal(await countMediaOf(testApp, member.user.id), 0)
    for (const [method, url] of [
      ['GET', '/api/v1/media'],
      ['GET', `/api/v1/media/${media.id}`],
      ['DELETE', `/api/v1/media/${media.id}`],
    ] as const) {
      assert.equal((await testApp.app.inject({ method, url })).statusCode, 401, `${method} ${url} anonymous`)
      assert.equal((await testApp.app.inject({ method, url, headers: member.headers })).statusCode, 403, `${method} ${url} member`)
    }
    const file = await testApp.app.inject({ method: 'GET', url: media.url })
    assert.equal(file.statusCode, 200)
    assert.equal(file.headers['cross-origin-resource-policy'], 'cross-origin')
  })

  test("an author sees, changes and deletes only their own media; another author's is a 404", async (t) => {
    const testApp = await buildMediaApp(t)
    const owner = await signedIn(testApp, 'author')
    const other = await signedIn(testApp, 'author')
    const mine = await uploadAs(testApp, owner.headers)
    const theirs = await uploadAs(testApp, other.headers)

    const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/media?limit=100', headers: owner.headers })
    const ids = list.json().data.map((m: { id: number }) => m.id)
    assert.ok(ids.includes(mine.id))
    assert.ok(!ids.includes(theirs.id))

    for (const request of [
      { method: 'GET', url: `/api/v1/media/${theirs.id}` },
      { method: 'PATCH', url: `/api/v1/media/${theirs.id}`, payload: { alt: 'mine now' } },
      { method: 'DELETE', url: `/api/v1/media/${theirs.id}` },
    ] as const) {
      const response = await testApp.app.inject({ ...request, headers: owner.headers })
      assert.equal(response.statusCode, 404, `${request.method} another author's media`)
    }
    const still = await testApp.app.inject({ method: 'GET', url: `/api/v1/media/${theirs.id}`, headers: other.headers })
    assert.equal(still.statusCode, 200)
    assert.equal(still.json().alt, '')

    const patch = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/media/${mine.id}`,
      headers: owner.headers,
      payload: { alt: 'New' },
    })
    assert.equal(patch.statusCode, 200)
    assert.equal(patch.json().alt, 'New')
  })

  for (const role of ['editor', 'admin'] as const) {
    test(`an ${role} sees, changes and deletes anyone's media`, async (t) => {
      const testApp = await buildMediaApp(t)
      const author = await signedIn(testApp, 'author')
      const boss = await signedIn(testApp, role)
      const media = await uploadAs(testApp, author.headers)
      const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/media?limit=100', headers: boss.headers })
      assert.ok(list.json().data.some((m: { id: number }) => m.id === media.id))
      const patch = await testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/media/${media.id}`,
        headers: boss.headers,
        payload: { alt: 'Fixed' },
      })
      assert.equal(patch.statusCode, 200)
      const del = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/media/${media.id}`, headers: boss.headers })
      assert.equal(del.statusCode, 204)
      assert.equal(await countMediaOf(testApp, author.user.id), 0)
    })
  }

  test('the list pages with a cursor, newest first, and filters by type', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const first = await uploadAs(testApp, author.headers)
    const second = await uploadAs(testApp, author.headers)
    const pdf = await uploadFile(testApp, author.headers, { bytes: Buffer.from('%PDF-1.4\n%%EOF\n'), filename: 'a.pdf' })
    assert.equal(pdf.statusCode, 201)

    const page1 = await testApp.app.inject({ method: 'GET', url: '/api/v1/media?limit=2', headers: author.headers })
    assert.deepEqual(
      page1.json().data.map((m: { id: number }) => m.id),
      [pdf.json().id, second.id],
    )
    const page2 = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/media?limit=2&cursor=${page1.json().next_cursor}`,
      headers: author.headers,
    })
    assert.deepEqual(
      page2.json().data.map((m: { id: number }) => m.id),
      [first.id],
    )
    assert.equal(page2.json().next_cursor, null)
    const pngs = await testApp.app.inject({ method: 'GET', url: '/api/v1/media?mime_type=image/png', headers: author.headers })
    assert.deepEqual(
      pngs.json().data.map((m: { id: number }) => m.id),
      [second.id, first.id],
    )
  })
})

describe('bad media input', () => {
  const uploadCases: [string, (png: Buffer) => ReturnType<typeof multipart>, string][] = [
    ['no file', () => multipart([{ name: 'alt', value: 'hello' }]), 'file'],
    ['an empty file', () => multipart([{ name: 'file', filename: 'e.png', bytes: Buffer.alloc(0) }]), 'file'],
    [
      'alt text too long',
      (png) =>
        multipart([
          { name: 'alt', value: 'x'.repeat(1001) },
          { name: 'file', filename: 'a.png', bytes: png },
        ]),
      'alt',
    ],
    [
      'an unknown field',
      (png) =>
        multipart([
          { name: 'owner_id', value: '1' },
          { name: 'file', filename: 'a.png', bytes: png },
        ]),
      'owner_id',
    ],
    ['a file under another name', (png) => multipart([{ name: 'upload', filename: 'a.png', bytes: png }]), 'upload'],
  ]
  for (const [name, body, field] of uploadCases) {
    test(`upload with ${name} → 400 naming ${field}, nothing written`, async (t) => {
      const testApp = await buildMediaApp(t)
      const author = await signedIn(testApp, 'author')
      const { payload, contentType } = body(await makeImage('png'))
      const response = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/media',
        headers: { ...author.headers, 'content-type': contentType },
        payload,
      })
      assert.equal(response.statusCode, 400, response.body)
      assert.equal(response.json().errors[0].field, field)
      assert.equal(await countMediaOf(testApp, author.user.id), 0)
    })
  }

  test('an upload sent as JSON gets 415', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/media', headers: author.headers, payload: { file: 'x' } })
    assert.equal(response.statusCode, 415)
    assert.equal(await countMediaOf(testApp, author.user.id), 0)
  })

  const requestCases: [string, { method: 'GET' | 'PATCH' | 'DELETE'; url: string; payload?: unknown }, string][] = [
    ['limit 0', { method: 'GET', url: '/api/v1/media?limit=0' }, 'limit'],
    ['limit 101', { method: 'GET', url: '/api/v1/media?limit=101' }, 'limit'],
    ['a foreign cursor', { method: 'GET', url: '/api/v1/media?cursor=nonsense' }, 'cursor'],
    ['a type not on the list', { method: 'GET', url: '/api/v1/media?mime_type=text/html' }, 'mime_type'],
    ['an unknown filter', { method: 'GET', url: '/api/v1/media?owner=1' }, 'owner'],
    ['a non-numeric id', { method: 'GET', url: '/api/v1/media/abc' }, 'id'],
    ['id 0', { method: 'DELETE', url: '/api/v1/media/0' }, 'id'],
    ['alt too long', { method: 'PATCH', url: '/api/v1/media/1', payload: { alt: 'x'.repeat(1001) } }, 'alt'],
    ['alt not text', { method: 'PATCH', url: '/api/v1/media/1', payload: { alt: 5 } }, 'alt'],
    ['an extra property', { method: 'PATCH', url: '/api/v1/media/1', payload: { alt: 'a', owner_id: 2 } }, 'owner_id'],
    ['a file name that is no hash', { method: 'GET', url: '/media/..%2F..%2Fetc%2Fpasswd.png' }, 'name'],
    ['a file type not on the list', { method: 'GET', url: `/media/${'a'.repeat(64)}.svg` }, 'name'],
  ]
  for (const [name, request, field] of requestCases) {
    test(`${request.method} with ${name} → 400 naming ${field}`, async (t) => {
      const testApp = await buildMediaApp(t)
      const editor = await signedIn(testApp, 'editor')
      const response = await testApp.app.inject({ ...request, headers: editor.headers } as InjectOptions)
      assert.equal(response.statusCode, 400, response.body)
      if (request.url.startsWith('/api/')) {
        assert.ok(
          response.json().errors.some((e: { field: string }) => e.field === field),
          response.body,
        )
      } else {
        // Outside /api errors are an HTML page, which names the field too.
        assert.match(response.headers['content-type'] as string, /^text\/html/)
        assert.ok(response.body.includes(field), response.body)
      }
    })
  }

  test('an unknown stored file is a 404', async (t) => {
    const testApp = await buildMediaApp(t)
    assert.equal((await testApp.app.inject({ method: 'GET', url: `/media/${'0'.repeat(64)}.png` })).statusCode, 404)
  })
})
