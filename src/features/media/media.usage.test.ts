import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildMediaApp, makeImage, signedIn, uploadFile } from './media.testing.ts'

type Use = { kind: string; id: number; title: string; status: string; used_as: string }
const key = (use: Use) => `${use.kind} ${use.id} ${use.used_as}`

describe('GET /api/v1/media/{id}/usage', () => {
  test('lists covers, bodies (original or variant URL), product images and descriptions; authors see only what they may see', async (t) => {
    const testApp = await buildMediaApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const uploaded = await uploadFile(testApp, author.headers, { bytes: await makeImage('png'), filename: 'a.png' })
    assert.equal(uploaded.statusCode, 201, uploaded.body)
    const media = uploaded.json()
    const unused = (await uploadFile(testApp, author.headers, { bytes: await makeImage('png'), filename: 'b.png' })).json()
    // A variant of the image, as the variants job records it: a body may show it instead of the original.
    const variantSha = randomBytes(32).toString('hex')
    await sql`insert into media_variants (media_id, format, width, height, sha256, size_bytes)
      values (${media.id}, 'webp', 32, 24, ${variantSha}, 10)`.execute(db)

    const write = async (headers: Record<string, string>, url: string, payload: object) => {
      const response = await testApp.app.inject({ method: 'POST', url, headers, payload })
      assert.equal(response.statusCode, 201, response.body)
      return response.json() as { id: number }
    }
    const ownCover = await write(author.headers, '/api/v1/posts', { title: 'Mine, with a cover', cover: { id: media.id } })
    const editorsDraft = await write(editor.headers, '/api/v1/posts', { title: 'Editor draft', body: `![x](${media.url})` })
    const editorsPage = await write(editor.headers, '/api/v1/pages', { title: 'Variant page', body: `![x](/media/${variantSha}.webp)` })
    const published = await testApp.app.inject({ method: 'POST', url: `/api/v1/pages/${editorsPage.id}/publish`, headers: editor.headers })
    assert.equal(published.statusCode, 200, published.body)
    await write(editor.headers, '/api/v1/posts', { title: 'Unrelated', body: 'no image' })
    const products = await sql<{ id: number; status: string }>`insert into products (sku, name, slug, price_minor, status, description)
      values (${`sku-${randomBytes(4).toString('hex')}`}, 'Active product', ${`p-${randomBytes(4).toString('hex')}`}, 100, 'active', ''),
             (${`sku-${randomBytes(4).toString('hex')}`}, 'Draft product', ${`p-${randomBytes(4).toString('hex')}`}, 100, 'draft', ${`See ${media.url}`})
      returning id, status`.execute(db)
    const [active, draftProduct] = products.rows as [{ id: number; status: string }, { id: number; status: string }]
    await sql`insert into product_images (product_id, position, media_id) values (${active.id}, 0, ${media.id}), (${active.id}, 1, ${media.id}),
      (${draftProduct.id}, 0, ${media.id})`.execute(db)

    const usage = async (headers: Record<string, string>, id = media.id) => {
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/media/${id}/usage`, headers })
      assert.equal(response.statusCode, 200, response.body)
      return response.json() as { data: Use[]; more: boolean }
    }
    const all = await usage(editor.headers)
    assert.equal(all.more, false)
    assert.deepEqual(all.data.map(key), [
      `page ${editorsPage.id} body`,
      `post ${ownCover.id} cover`,
      `post ${editorsDraft.id} body`,
      `product ${active.id} image`,
      `product ${draftProduct.id} description`,
      `product ${draftProduct.id} image`,
    ])
    assert.deepEqual(all.data[1], { kind: 'post', id: ownCover.id, title: 'Mine, with a cover', status: 'draft', used_as: 'cover' })
    // The author who uploaded it: not the editor's draft, not the draft product.
    assert.deepEqual((await usage(author.headers)).data.map(key), [
      `page ${editorsPage.id} body`,
      `post ${ownCover.id} cover`,
      `product ${active.id} image`,
    ])
    assert.deepEqual(await usage(editor.headers, unused.id), { data: [], more: false })
  })

  test('404 for an item the caller may not see or that does not exist; 401 without a session; 400 for a bad id', async (t) => {
    const testApp = await buildMediaApp(t)
    const owner = await signedIn(testApp, 'author')
    const otherAuthor = await signedIn(testApp, 'author')
    const member = await signedIn(testApp, 'member')
    const media = (await uploadFile(testApp, owner.headers, { bytes: await makeImage('png'), filename: 'a.png' })).json()
    const get = (url: string, headers: Record<string, string> = {}) => testApp.app.inject({ method: 'GET', url, headers })
    assert.equal((await get(`/api/v1/media/${media.id}/usage`, otherAuthor.headers)).statusCode, 404)
    assert.equal((await get('/api/v1/media/999999999/usage', owner.headers)).statusCode, 404)
    assert.equal((await get(`/api/v1/media/${media.id}/usage`)).statusCode, 401)
    assert.equal((await get(`/api/v1/media/${media.id}/usage`, member.headers)).statusCode, 403)
    for (const id of ['0', 'abc', '1.5', '99999999999999999999']) {
      const response = await get(`/api/v1/media/${id}/usage`, owner.headers)
      assert.equal(response.statusCode, 400, `${id}: ${response.body}`)
    }
  })
})
