import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

async function signedIn(testApp: TestApp, role: Role) {
  const user = await createUser(testApp.database.db, { role })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}

describe('content: revisions, redirects, tags and categories', () => {
  test('every save keeps a revision, and restoring one saves its content as a new revision', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const post = await createPost(testApp.database.db, author.user, { title: 'First', body: 'one' })
    const patch = (payload: object) =>
      testApp.app.inject({ method: 'PATCH', url: `/api/v1/posts/${post.id}`, headers: author.headers, payload })
    assert.equal((await patch({ title: 'Second', body: 'two' })).statusCode, 200)
    assert.equal((await patch({ body: 'three' })).statusCode, 200)
    const restored = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/posts/${post.id}/revisions/1/restore`,
      headers: author.headers,
    })
    assert.equal(restored.statusCode, 200, restored.body)
    assert.equal(restored.json().title, 'First')
    assert.equal(restored.json().body, 'one')
    assert.equal(restored.json().body_html, '<p>one</p>\n')
    assert.equal(restored.json().slug, post.slug)
    const revisions = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts/${post.id}/revisions`, headers: author.headers })
    assert.deepEqual(
      revisions.json().data.map((r: { number: number; title: string; body: string }) => [r.number, r.title, r.body]),
      [
        [4, 'First', 'one'],
        [3, 'Second', 'three'],
        [2, 'Second', 'two'],
        [1, 'First', 'one'],
      ],
    )
    const missing = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/posts/${post.id}/revisions/99/restore`,
      headers: author.headers,
    })
    assert.equal(missing.statusCode, 404)
  })

  test('revisions are paged newest first with a cursor; a bad cursor or limit is a 400', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const post = await createPost(testApp.database.db, author.user, { title: 'One', body: 'b1' })
    for (const body of ['b2', 'b3', 'b4', 'b5']) {
      const saved = await testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/posts/${post.id}`,
        headers: author.headers,
        payload: { body },
      })
      assert.equal(saved.statusCode, 200, saved.body)
    }
    const get = (query: string) =>
      testApp.app.inject({ method: 'GET', url: `/api/v1/posts/${post.id}/revisions${query}`, headers: author.headers })
    const seen: number[][] = []
    let cursor: string | null = null
    do {
      const response = await get(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      assert.equal(response.statusCode, 200, response.body)
      const page = response.json() as { data: { number: number }[]; next_cursor: string | null }
      seen.push(page.data.map((revision) => revision.number))
      cursor = page.next_cursor
    } while (cursor)
    assert.deepEqual(seen, [[5, 4], [3, 2], [1]])
    // Without a limit: the first 20, the whole history here.
    const all = await get('')
    assert.deepEqual(
      all.json().data.map((revision: { number: number }) => revision.number),
      [5, 4, 3, 2, 1],
    )
    assert.equal(all.json().next_cursor, null)
    // A cursor of another list, garbage, and limits out of range.
    const tags = await testApp.app.inject({ method: 'GET', url: '/api/v1/tags?limit=1' })
    for (const query of ['?cursor=nonsense', '?limit=0', '?limit=101', '?limit=x']) {
      const response = await get(query)
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`)
    }
    const other = tags.json().next_cursor as string | null
    if (other) assert.equal((await get(`?cursor=${encodeURIComponent(other)}`)).statusCode, 400)
  })

  test('revisions of another author’s post are hidden from an author, and only editors restore published content', async (t) => {
    const testApp = await buildTestApp(t)
    const owner = await signedIn(testApp, 'author')
    const other = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const post = await createPost(testApp.database.db, owner.user, { published: true })
    const list = (headers: Record<string, string>) =>
      testApp.app.inject({ method: 'GET', url: `/api/v1/posts/${post.id}/revisions`, headers })
    assert.equal((await list(other.headers)).statusCode, 404)
    assert.equal((await list(owner.headers)).statusCode, 200)
    assert.equal((await list({})).statusCode, 401)
    const restore = (headers: Record<string, string>) =>
      testApp.app.inject({ method: 'POST', url: `/api/v1/posts/${post.id}/revisions/1/restore`, headers })
    assert.equal((await restore(owner.headers)).statusCode, 403)
    assert.equal((await restore(editor.headers)).statusCode, 200)
  })

  test('changing the slug of published content leaves a 301 redirect, without chains', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const post = await createPost(testApp.database.db, editor.user, { published: true })
    const base = post.slug
    const rename = (slug: string) =>
      testApp.app.inject({ method: 'PATCH', url: `/api/v1/posts/${post.id}`, headers: editor.headers, payload: { slug } })
    const redirect = (path: string) => testApp.app.inject({ method: 'GET', url: `/api/v1/redirects?path=${encodeURIComponent(path)}` })
    assert.equal((await rename(`${base}-2`)).statusCode, 200)
    assert.deepEqual((await redirect(`/blog/${base}`)).json(), { from: `/blog/${base}`, to: `/blog/${base}-2`, status: 301 })
    assert.equal((await rename(`${base}-3`)).statusCode, 200)
    assert.equal((await redirect(`/blog/${base}`)).json().to, `/blog/${base}-3`, 'the oldest path points at the newest')
    assert.equal((await redirect(`/blog/${base}-2`)).json().to, `/blog/${base}-3`)
    assert.equal((await rename(base)).statusCode, 200)
    assert.equal((await redirect(`/blog/${base}`)).statusCode, 404, 'a path that is live again redirects nowhere')
    assert.equal((await redirect(`/blog/${base}-3`)).json().to, `/blog/${base}`)
  })

  test('a draft’s slug change leaves no redirect; pages redirect from their own paths', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const draft = await createPost(testApp.database.db, editor.user)
    await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/posts/${draft.id}`,
      headers: editor.headers,
      payload: { slug: `${draft.slug}-x` },
    })
    assert.equal((await testApp.app.inject({ method: 'GET', url: `/api/v1/redirects?path=/blog/${draft.slug}` })).statusCode, 404)
    const page = await createPost(testApp.database.db, editor.user, { type: 'page', published: true })
    await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/pages/${page.id}`,
      headers: editor.headers,
      payload: { slug: `${page.slug}-y` },
    })
    const redirect = await testApp.app.inject({ method: 'GET', url: `/api/v1/redirects?path=/${page.slug}` })
    assert.equal(redirect.json().to, `/${page.slug}-y`)
  })

  test('editors make tags and categories; posts carry them and lists filter by them', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const author = await signedIn(testApp, 'author')
    const suffix = Date.now().toString(36)
    const refused = await testApp.app.inject({ method: 'POST', url: '/api/v1/tags', headers: author.headers, payload: { name: 'x' } })
    assert.equal(refused.statusCode, 403)
    const tag = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/tags',
      headers: editor.headers,
      payload: { name: `Node JS ${suffix}` },
    })
    assert.equal(tag.statusCode, 201, tag.body)
    assert.equal(tag.json().slug, `node-js-${suffix}`)
    const again = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/tags',
      headers: editor.headers,
      payload: { name: `node js ${suffix}` },
    })
    assert.equal(again.statusCode, 409)
    assert.equal(again.json().errors[0].field, 'slug')
    const category = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/categories',
      headers: editor.headers,
      payload: { name: 'News', slug: `news-${suffix}` },
    })
    assert.equal(category.statusCode, 201, category.body)

    const tagged = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: author.headers,
      payload: { title: 'Tagged', tags: [{ id: tag.json().id }], categories: [{ id: category.json().id }] },
    })
    assert.equal(tagged.statusCode, 201, tagged.body)
    assert.deepEqual(tagged.json().tags, [{ id: tag.json().id, name: `Node JS ${suffix}`, slug: `node-js-${suffix}` }])
    await createPost(testApp.database.db, author.user)
    const byTag = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts?tag=node-js-${suffix}`, headers: author.headers })
    assert.deepEqual(
      byTag.json().data.map((p: { id: number; categories: { slug: string }[] }) => [p.id, p.categories.map((c) => c.slug)]),
      [[tagged.json().id, [`news-${suffix}`]]],
    )
    const byCategory = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts?category=news-${suffix}`, headers: author.headers })
    assert.equal(byCategory.json().data.length, 1)
    const tags = await testApp.app.inject({ method: 'GET', url: '/api/v1/tags?limit=100' })
    assert.ok(tags.json().data.some((t: { id: number }) => t.id === tag.json().id))
    const untag = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/posts/${tagged.json().id}`,
      headers: author.headers,
      payload: { tags: [] },
    })
    assert.deepEqual(untag.json().tags, [])
    assert.equal(
      (await testApp.app.inject({ method: 'DELETE', url: `/api/v1/tags/${tag.json().id}`, headers: editor.headers })).statusCode,
      204,
    )
  })
})
