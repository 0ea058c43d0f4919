import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

/** A signed-in user of `role` with the headers a cookie-authenticated write needs. */
async function signedIn(testApp: TestApp, role: Role) {
  const user = await createUser(testApp.database.db, { role })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}

type Headers = Record<string, string>
const call = (testApp: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Headers = {}, payload?: object) =>
  testApp.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

describe('content: posts and pages', () => {
  test('an author creates a draft whose Markdown is rendered and kept as the first revision', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const created = await call(testApp, 'POST', '/api/v1/posts', author.headers, {
      title: 'Héllo, Wörld!',
      body: '# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: A footnote.\n\n```js\nlet x = 1\n```',
      excerpt: 'short',
    })
    assert.equal(created.statusCode, 201, created.body)
    const post = created.json()
    assert.equal(post.slug, 'hello-world')
    assert.equal(post.status, 'draft')
    assert.deepEqual(post.author, { id: author.user.id, name: author.user.name })
    assert.deepEqual(post.tags, [])
    assert.match(post.body_html, /<h1 id="title"/)
    assert.match(post.body_html, /<table>/)
    assert.match(post.body_html, /footnote/)
    assert.match(post.body_html, /<pre><code class="language-js">/)
    const revisions = await call(testApp, 'GET', `/api/v1/posts/${post.id}/revisions`, author.headers)
    assert.equal(revisions.statusCode, 200, revisions.body)
    assert.deepEqual(
      revisions.json().data.map((r: { number: number; body_html: string }) => [r.number, r.body_html]),
      [[1, post.body_html]],
    )
  })

  test('anonymous callers and members see only published content; authors also their own drafts; editors everything', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const authorA = await signedIn(testApp, 'author')
    const authorB = await signedIn(testApp, 'author')
    const member = await signedIn(testApp, 'member')
    const editor = await signedIn(testApp, 'editor')
    const draft = await createPost(db, authorA.user)
    const published = await createPost(db, authorA.user, { published: true })
    const ids = async (headers: Headers) => {
      const response = await call(testApp, 'GET', `/api/v1/posts?author=${authorA.user.id}`, headers)
      assert.equal(response.statusCode, 200, response.body)
      return response.json().data.map((p: { id: number }) => p.id)
    }
    assert.deepEqual(await ids({}), [published.id])
    assert.deepEqual(await ids(member.headers), [published.id])
    assert.deepEqual(await ids(authorB.headers), [published.id])
    assert.deepEqual(await ids(authorA.headers), [published.id, draft.id])
    assert.deepEqual(await ids(editor.headers), [published.id, draft.id])
    for (const headers of [{}, member.headers, authorB.headers]) {
      assert.equal((await call(testApp, 'GET', `/api/v1/posts/${draft.id}`, headers)).statusCode, 404)
      assert.equal((await call(testApp, 'GET', `/api/v1/posts/${published.id}`, headers)).statusCode, 200)
    }
    assert.equal((await call(testApp, 'GET', `/api/v1/posts/${draft.id}`, editor.headers)).statusCode, 200)
    // A draft filter does not reveal drafts to those who may not see them.
    const drafts = await call(testApp, 'GET', `/api/v1/posts?status=draft&author=${authorA.user.id}`)
    assert.deepEqual(drafts.json().data, [])
  })

  test('writes need an account of author or above; members and anonymous callers are refused', async (t) => {
    const testApp = await buildTestApp(t)
    const member = await signedIn(testApp, 'member')
    assert.equal((await call(testApp, 'POST', '/api/v1/posts', {}, { title: 'x' })).statusCode, 401)
    assert.equal((await call(testApp, 'POST', '/api/v1/posts', member.headers, { title: 'x' })).statusCode, 403)
    assert.equal((await call(testApp, 'POST', '/api/v1/pages', member.headers, { title: 'x' })).statusCode, 403)
  })

  test('an author edits and deletes only their own drafts; an editor edits anything', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const other = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const own = await createPost(db, author.user)
    const othersDraft = await createPost(db, other.user)
    const ownPublished = await createPost(db, author.user, { published: true })

    const edit = (id: number, headers: Headers) => call(testApp, 'PATCH', `/api/v1/posts/${id}`, headers, { title: 'Changed' })
    assert.equal((await edit(own.id, author.headers)).statusCode, 200)
    assert.equal((await edit(othersDraft.id, author.headers)).statusCode, 404, 'another author’s draft is invisible')
    assert.equal((await edit(ownPublished.id, author.headers)).statusCode, 403, 'published content is the editors’')
    assert.equal((await edit(othersDraft.id, editor.headers)).statusCode, 200)
    assert.equal((await edit(ownPublished.id, editor.headers)).statusCode, 200)

    assert.equal((await call(testApp, 'DELETE', `/api/v1/posts/${othersDraft.id}`, author.headers)).statusCode, 404)
    assert.equal((await call(testApp, 'DELETE', `/api/v1/posts/${ownPublished.id}`, author.headers)).statusCode, 403)
    assert.equal((await call(testApp, 'DELETE', `/api/v1/posts/${own.id}`, author.headers)).statusCode, 204)
    const { rows } = await sql<{ id: number }>`select id from posts where id = ${own.id}`.execute(db)
    assert.deepEqual(rows, [])
  })

  test('only editors and admins publish, schedule and unpublish', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const admin = await signedIn(testApp, 'admin')
    const post = await createPost(testApp.database.db, author.user)
    const future = new Date(Date.now() + 3_600_000).toISOString()
    assert.equal((await call(testApp, 'POST', `/api/v1/posts/${post.id}/publish`, author.headers)).statusCode, 403)
    assert.equal((await call(testApp, 'POST', `/api/v1/posts/${post.id}/schedule`, author.headers, { publish_at: future })).statusCode, 403)
    assert.equal((await call(testApp, 'POST', `/api/v1/posts/${post.id}/publish`)).statusCode, 401)
    const published = await call(testApp, 'POST', `/api/v1/posts/${post.id}/publish`, editor.headers)
    assert.equal(published.statusCode, 200, published.body)
    assert.equal(published.json().status, 'published')
    assert.ok(published.json().published_at)
    const unpublished = await call(testApp, 'POST', `/api/v1/posts/${post.id}/unpublish`, admin.headers)
    assert.equal(unpublished.json().status, 'draft')
    assert.equal((await call(testApp, 'GET', `/api/v1/posts/${post.id}`)).statusCode, 404)
    const scheduled = await call(testApp, 'POST', `/api/v1/posts/${post.id}/schedule`, editor.headers, { publish_at: future })
    assert.equal(scheduled.statusCode, 200, scheduled.body)
    assert.equal(scheduled.json().status, 'scheduled')
    assert.equal(scheduled.json().publish_at, future)
  })

  test('editors archive published content: gone from the API and the site for visitors, history kept, unpublish revives it', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const post = await createPost(testApp.database.db, author.user, { published: true })
    assert.equal((await call(testApp, 'POST', `/api/v1/posts/${post.id}/archive`, author.headers)).statusCode, 403)
    assert.equal((await call(testApp, 'POST', '/api/v1/posts/999999999/archive', editor.headers)).statusCode, 404)
    const archived = await call(testApp, 'POST', `/api/v1/posts/${post.id}/archive`, editor.headers)
    assert.equal(archived.statusCode, 200, archived.body)
    assert.equal(archived.json().status, 'archived')
    assert.equal(archived.json().published_at, post.published_at?.toISOString())
    assert.equal((await call(testApp, 'GET', `/api/v1/posts/${post.id}`)).statusCode, 404)
    assert.equal((await call(testApp, 'GET', `/blog/${post.slug}`)).statusCode, 404)
    const listed = await call(testApp, 'GET', `/api/v1/posts?status=archived&author=${author.user.id}`, editor.headers)
    assert.deepEqual(
      listed.json().data.map((p: { id: number }) => p.id),
      [post.id],
    )
    const revived = await call(testApp, 'POST', `/api/v1/posts/${post.id}/unpublish`, editor.headers)
    assert.equal(revived.json().status, 'draft')
  })

  test('a single post carries an ETag and answers a matching If-None-Match with 304', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const post = await createPost(testApp.database.db, editor.user, { published: true })
    const first = await call(testApp, 'GET', `/api/v1/posts/${post.id}`)
    const etag = first.headers.etag as string
    assert.ok(etag)
    const again = await call(testApp, 'GET', `/api/v1/posts/${post.id}`, { 'if-none-match': etag })
    assert.equal(again.statusCode, 304)
    assert.equal(again.body, '')
    await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, editor.headers, { body: 'changed' })
    const changed = await call(testApp, 'GET', `/api/v1/posts/${post.id}`, { 'if-none-match': etag })
    assert.equal(changed.statusCode, 200)
    assert.notEqual(changed.headers.etag, etag)
  })

  test('lists page with a cursor and filter by slug, sort oldest first', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await createUser(testApp.database.db, { role: 'author' })
    const posts = []
    for (let i = 0; i < 3; i++) posts.push(await createPost(testApp.database.db, author, { published: true }))
    const first = await call(testApp, 'GET', `/api/v1/posts?author=${author.id}&limit=2`)
    assert.deepEqual(
      first.json().data.map((p: { id: number }) => p.id),
      [posts[2]?.id, posts[1]?.id],
    )
    assert.equal(first.json().data[0].body, undefined, 'lists leave out the bodies')
    const second = await call(testApp, 'GET', `/api/v1/posts?author=${author.id}&limit=2&cursor=${first.json().next_cursor}`)
    assert.deepEqual(
      second.json().data.map((p: { id: number }) => p.id),
      [posts[0]?.id],
    )
    assert.equal(second.json().next_cursor, null)
    const oldest = await call(testApp, 'GET', `/api/v1/posts?author=${author.id}&sort=oldest&limit=1`)
    assert.equal(oldest.json().data[0].id, posts[0]?.id)
    const bySlug = await call(testApp, 'GET', `/api/v1/posts?slug=${posts[1]?.slug}`)
    assert.deepEqual(
      bySlug.json().data.map((p: { id: number }) => p.id),
      [posts[1]?.id],
    )
  })

  test('pages live apart from posts: their own slugs, no tags', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const slug = `about-${Date.now()}`
    const page = await call(testApp, 'POST', '/api/v1/pages', editor.headers, { title: 'About', slug })
    assert.equal(page.statusCode, 201, page.body)
    assert.equal(page.json().type, 'page')
    assert.equal(page.json().tags, undefined)
    const post = await call(testApp, 'POST', '/api/v1/posts', editor.headers, { title: 'About', slug })
    assert.equal(post.statusCode, 201, 'the same slug is free for a post')
    assert.equal((await call(testApp, 'GET', `/api/v1/posts/${page.json().id}`, editor.headers)).statusCode, 404)
    const duplicate = await call(testApp, 'POST', '/api/v1/pages', editor.headers, { title: 'About again', slug })
    assert.equal(duplicate.statusCode, 409)
    assert.equal(duplicate.json().errors[0].field, 'slug')
  })
})

describe('content: lists, lookup by slug and covers', () => {
  test('list items leave out the body; ?slug= returns the one match with its body and terms', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const editor = await signedIn(testApp, 'editor')
    const tag = (await call(testApp, 'POST', '/api/v1/tags', editor.headers, { name: `Tag ${Date.now()}` })).json()
    const post = await createPost(db, editor.user, { body: 'Some *body*.', tag_ids: [tag.id], published: true })

    const list = await call(testApp, 'GET', `/api/v1/posts?author=${editor.user.id}`)
    assert.equal(list.statusCode, 200, list.body)
    const [item] = list.json().data
    assert.equal(item.id, post.id)
    assert.equal(item.body, undefined)
    assert.equal(item.body_html, undefined)
    assert.deepEqual(item.tags, [{ id: tag.id, name: tag.name, slug: tag.slug }])

    const bySlug = await call(testApp, 'GET', `/api/v1/posts?slug=${post.slug}`)
    assert.equal(bySlug.statusCode, 200, bySlug.body)
    assert.equal(bySlug.json().data.length, 1)
    assert.equal(bySlug.json().data[0].body, 'Some *body*.')
    assert.equal(bySlug.json().data[0].body_html, '<p>Some <em>body</em>.</p>\n')
    assert.deepEqual(bySlug.json().data[0].tags, item.tags)
    assert.deepEqual((await call(testApp, 'GET', '/api/v1/posts?slug=no-such-slug-here')).json(), { data: [], next_cursor: null })
    assert.equal((await call(testApp, 'GET', '/api/v1/posts?slug=Not%20A%20Slug')).statusCode, 400)
  })

  test('cover must name a media item: 400 otherwise, and nothing is written', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const title = `Covered ${Date.now()}`
    const created = await call(testApp, 'POST', '/api/v1/posts', author.headers, { title, cover: { id: 987654321 } })
    assert.equal(created.statusCode, 400, created.body)
    assert.deepEqual(
      created.json().errors.map((e: { field: string }) => e.field),
      ['cover.id'],
    )
    const rows = await sql<{ n: number }>`select count(*)::int as n from posts where title = ${title}`.execute(testApp.database.db)
    assert.equal(rows.rows[0]?.n, 0)

    const post = await createPost(testApp.database.db, author.user)
    const patched = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, { cover: { id: 987654321 } })
    assert.equal(patched.statusCode, 400, patched.body)
    const after = await call(testApp, 'GET', `/api/v1/posts/${post.id}`, author.headers)
    assert.equal(after.json().cover, null)
    assert.equal((await call(testApp, 'GET', `/api/v1/posts/${post.id}/revisions`, author.headers)).json().data.length, 1)
  })

  test('deleting an image clears the covers that used it; restoring a revision that had it restores no cover', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const media = await sql<{ id: number }>`insert into media (owner_id, sha256, extension, mime_type, size_bytes, width, height)
      values (${author.user.id}, ${'a'.repeat(64)}, 'png', 'image/png', 10, 1, 1) returning id`.execute(db)
    const mediaId = (media.rows[0] as { id: number }).id
    const created = await call(testApp, 'POST', '/api/v1/posts', author.headers, { title: 'With cover', cover: { id: mediaId } })
    assert.equal(created.statusCode, 201, created.body)
    const post = created.json()
    await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, { title: 'Second revision' })
    await sql`delete from media where id = ${mediaId}`.execute(db)
    assert.equal((await call(testApp, 'GET', `/api/v1/posts/${post.id}`, author.headers)).json().cover, null)
    const restored = await call(testApp, 'POST', `/api/v1/posts/${post.id}/revisions/1/restore`, author.headers)
    assert.equal(restored.statusCode, 200, restored.body)
    assert.equal(restored.json().title, 'With cover')
    assert.equal(restored.json().cover, null)
  })
})
