import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'

async function editorSession(testApp: TestApp) {
  const editor = await createUser(testApp.database.db, { role: 'editor' })
  const { cookie, csrf } = await logIn(testApp.app, editor.email)
  return { editor, headers: { cookie, 'x-csrf-token': csrf } }
}

const countPosts = (testApp: TestApp, authorId: number) =>
  sql<{ n: number }>`select count(*)::int as n from posts where author_id = ${authorId}`
    .execute(testApp.database.db)
    .then((r) => r.rows[0]?.n)

/** [what is wrong, body, field the 400 names] */
const badBodies: [string, Record<string, unknown>, string][] = [
  ['no title', { body: 'x' }, 'title'],
  ['an empty title', { title: '' }, 'title'],
  ['a blank title', { title: '   ' }, 'title'],
  ['a long title', { title: 'x'.repeat(201) }, 'title'],
  ['a number for a title', { title: 42 }, 'title'],
  ['a slug with capitals', { title: 'x', slug: 'Hello' }, 'slug'],
  ['a slug with spaces', { title: 'x', slug: 'a b' }, 'slug'],
  ['a slug of dashes', { title: 'x', slug: '--' }, 'slug'],
  ['a huge body', { title: 'x', body: 'x'.repeat(200_001) }, 'body'],
  ['a long excerpt', { title: 'x', excerpt: 'x'.repeat(1001) }, 'excerpt'],
  ['a long seo_title', { title: 'x', seo_title: 'x'.repeat(201) }, 'seo_title'],
  ['a long seo_description', { title: 'x', seo_description: 'x'.repeat(501) }, 'seo_description'],
  ['a cover id of 0', { title: 'x', cover: { id: 0 } }, 'cover.id'],
  ['a string cover id', { title: 'x', cover: { id: '1' } }, 'cover.id'],
  ['a cover given as a bare number', { title: 'x', cover: 12 }, 'cover'],
  ['a cover with other fields', { title: 'x', cover: { id: 1, url: '/media/x.png' } }, 'cover.url'],
  ['the old cover_media_id', { title: 'x', cover_media_id: 1 }, 'cover_media_id'],
  ['tags that are not a list', { title: 'x', tags: 1 }, 'tags'],
  ['a tag given as a bare id', { title: 'x', tags: [1] }, 'tags.0'],
  ['a tag given as a bare name', { title: 'x', tags: ['News'] }, 'tags.0'],
  ['a tag with both id and name', { title: 'x', tags: [{ id: 1, name: 'News' }] }, 'tags.0'],
  ['an empty tag', { title: 'x', tags: [{}] }, 'tags.0'],
  ['a tag by slug', { title: 'x', tags: [{ slug: 'news' }] }, 'tags.0.slug'],
  ['a blank tag name', { title: 'x', tags: [{ name: '   ' }] }, 'tags.0.name'],
  ['a long tag name', { title: 'x', tags: [{ name: 'x'.repeat(101) }] }, 'tags.0.name'],
  ['a tag id of 0', { title: 'x', tags: [{ id: 0 }] }, 'tags.0.id'],
  ['51 tags', { title: 'x', tags: Array.from({ length: 51 }, (_, i) => ({ name: `t${i}` })) }, 'tags'],
  ['an unknown tag id', { title: 'x', tags: [{ name: 'Fine' }, { id: Number.MAX_SAFE_INTEGER }] }, 'tags.1.id'],
  ['an unknown category id', { title: 'x', categories: [{ id: Number.MAX_SAFE_INTEGER }] }, 'categories.0.id'],
  ['the old tag_ids', { title: 'x', tag_ids: [] }, 'tag_ids'],
  ['a status (set only by publishing)', { title: 'x', status: 'published' }, 'status'],
  ['an author_id', { title: 'x', author_id: 1 }, 'author_id'],
  ['an author', { title: 'x', author: { id: 1 } }, 'author'],
  ['a url', { title: 'x', url: '/blog/x' }, 'url'],
]

describe('content: bad input', () => {
  for (const [what, body, field] of badBodies) {
    test(`creating a post with ${what} is a 400 naming ${field}, and writes nothing`, async (t) => {
      const testApp = await buildTestApp(t)
      const { editor, headers } = await editorSession(testApp)
      const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/posts', headers, payload: body })
      assert.equal(response.statusCode, 400, response.body)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        response.body,
      )
      assert.equal(await countPosts(testApp, editor.id), 0)
    })
  }

  test('a PATCH with a bad field changes nothing and keeps no revision', async (t) => {
    const testApp = await buildTestApp(t)
    const { editor, headers } = await editorSession(testApp)
    const post = await createPost(testApp.database.db, editor, { title: 'Kept' })
    for (const [payload, field] of [
      [{ title: 'New', tags: [{ name: 'Would be created' }, { id: Number.MAX_SAFE_INTEGER }] }, 'tags.1.id'],
      [{ title: 'New', slug: 'Bad Slug' }, 'slug'],
      [{}, 'body'],
    ] as const) {
      const response = await testApp.app.inject({ method: 'PATCH', url: `/api/v1/posts/${post.id}`, headers, payload })
      assert.equal(response.statusCode, 400, response.body)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        response.body,
      )
    }
    const { rows } = await sql<{ title: string; revisions: number }>`select title,
        (select count(*)::int from post_revisions where post_id = ${post.id}) as revisions
      from posts where id = ${post.id}`.execute(testApp.database.db)
    assert.deepEqual(rows, [{ title: 'Kept', revisions: 1 }])
  })

  test('pages take no tags or categories', async (t) => {
    const testApp = await buildTestApp(t)
    const { headers } = await editorSession(testApp)
    const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/pages', headers, payload: { title: 'x', tags: [] } })
    assert.equal(response.statusCode, 400)
    assert.equal(response.json().errors[0].field, 'tags')
  })

  test('a taken slug is a 409 naming slug, on create and on rename', async (t) => {
    const testApp = await buildTestApp(t)
    const { editor, headers } = await editorSession(testApp)
    const first = await createPost(testApp.database.db, editor)
    const second = await createPost(testApp.database.db, editor)
    const create = await testApp.app.inject({ method: 'POST', url: '/api/v1/posts', headers, payload: { title: 'x', slug: first.slug } })
    assert.equal(create.statusCode, 409)
    assert.equal(create.json().errors[0].field, 'slug')
    const rename = await testApp.app.inject({ method: 'PATCH', url: `/api/v1/posts/${second.id}`, headers, payload: { slug: first.slug } })
    assert.equal(rename.statusCode, 409)
    assert.equal(rename.json().errors[0].field, 'slug')
    assert.equal(await countPosts(testApp, editor.id), 2)
  })

  const badQueries: [string, string][] = [
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=nope', 'cursor'],
    ['status=deleted', 'status'],
    ['author=abc', 'author'],
    ['tag=Not%20A%20Slug', 'tag'],
    ['sort=popular', 'sort'],
    ['color=red', 'color'],
  ]
  for (const [query, field] of badQueries) {
    test(`GET /api/v1/posts?${query} is a 400 naming ${field}`, async (t) => {
      const testApp = await buildTestApp(t)
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts?${query}` })
      assert.equal(response.statusCode, 400, response.body)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        response.body,
      )
    })
  }

  test('scheduling needs a future publish_at', async (t) => {
    const testApp = await buildTestApp(t)
    const { editor, headers } = await editorSession(testApp)
    const post = await createPost(testApp.database.db, editor)
    for (const publishAt of ['2020-01-01T00:00:00Z', 'tomorrow', 42]) {
      const response = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/posts/${post.id}/schedule`,
        headers,
        payload: { publish_at: publishAt },
      })
      assert.equal(response.statusCode, 400, response.body)
      assert.equal(response.json().errors[0].field, 'publish_at')
    }
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from jobs where (payload ->> 'post_id')::bigint = ${post.id}`.execute(testApp.database.db)
    assert.equal(rows[0]?.n, 0)
  })

  test('a redirect lookup needs an absolute path', async (t) => {
    const testApp = await buildTestApp(t)
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/redirects?path=blog/x' })
    assert.equal(response.statusCode, 400)
    assert.equal(response.json().errors[0].field, 'path')
  })
})
