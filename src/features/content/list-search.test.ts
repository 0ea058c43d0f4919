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

/** The ids a list answers, and its total. */
async function list(testApp: TestApp, url: string, headers: Record<string, string> = {}) {
  const response = await testApp.app.inject({ method: 'GET', url, headers })
  assert.equal(response.statusCode, 200, response.body)
  const page = response.json()
  return { ids: page.data.map((p: { id: number }) => p.id).sort((a: number, b: number) => a - b), total: page.total }
}

describe('GET /api/v1/posts and /pages ?q= (the admin lists’ search)', () => {
  test('finds drafts and published items by words of the title or body, or a piece of the title; with the other filters and the total', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const word = `zorblax${Date.now() % 100000}`
    const draft = await createPost(db, author.user, { title: `Draft about ${word}s`, body: 'Nothing here.' })
    const published = await createPost(db, author.user, { title: 'Published', body: `The body says ${word}.`, published: true })
    const other = await createPost(db, editor.user, { title: `Editor ${word}`, body: 'x' })
    await createPost(db, author.user, { title: 'Unrelated', body: 'Nothing to find.' })
    const page = await createPost(db, author.user, { type: 'page', title: `A page on ${word}`, body: 'x' })

    // Stemmed full text (zorblaxNs → zorblaxN) over title and body, drafts included for who may see them.
    assert.deepEqual(
      (await list(testApp, `/api/v1/posts?q=${word}&include_total=true`, editor.headers)).ids,
      [draft.id, published.id, other.id].sort((a, b) => a - b),
    )
    assert.equal((await list(testApp, `/api/v1/posts?q=${word}&include_total=true`, editor.headers)).total, 3)
    // A piece of a title (type-ahead), case-insensitive.
    assert.deepEqual((await list(testApp, `/api/v1/posts?q=${encodeURIComponent('DRAFT ABO')}`, editor.headers)).ids, [draft.id])
    // With the status and author filters.
    assert.deepEqual((await list(testApp, `/api/v1/posts?q=${word}&status=draft&author=${author.user.id}`, editor.headers)).ids, [draft.id])
    // An author sees their own drafts and published posts, not the editor's draft; anonymous callers only published ones.
    assert.deepEqual(
      (await list(testApp, `/api/v1/posts?q=${word}`, author.headers)).ids,
      [draft.id, published.id].sort((a, b) => a - b),
    )
    assert.deepEqual((await list(testApp, `/api/v1/posts?q=${word}`)).ids, [published.id])
    assert.deepEqual((await list(testApp, `/api/v1/pages?q=${word}`, editor.headers)).ids, [page.id])
    // LIKE's wildcards are plain characters; websearch operators do not fail; nothing found is an empty page.
    assert.deepEqual((await list(testApp, `/api/v1/posts?q=${encodeURIComponent('%')}`, editor.headers)).ids, [])
    assert.deepEqual((await list(testApp, `/api/v1/posts?q=${encodeURIComponent('_')}`, editor.headers)).ids, [])
    await list(testApp, `/api/v1/posts?q=${encodeURIComponent(`"${word} -" or (`)}`, editor.headers) // a 200, whatever it finds
    assert.deepEqual((await list(testApp, `/api/v1/posts?q=${encodeURIComponent('\\')}`, editor.headers)).ids, [])
  })

  test('q is paged with the cursor like any filter; an empty or too long q is a 400', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const editor = await signedIn(testApp, 'editor')
    const word = `quuxle${Date.now() % 100000}`
    const made = []
    for (let i = 0; i < 5; i++) made.push((await createPost(db, editor.user, { title: `${word} ${i}` })).id)
    const seen: number[] = []
    let url = `/api/v1/posts?q=${word}&limit=2&sort=title`
    for (;;) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: editor.headers })
      assert.equal(response.statusCode, 200, response.body)
      const body = response.json()
      seen.push(...body.data.map((p: { id: number }) => p.id))
      if (body.next_cursor === null) break
      url = `/api/v1/posts?q=${word}&limit=2&sort=title&cursor=${body.next_cursor}`
    }
    assert.deepEqual(seen, made)
    for (const q of ['', 'x'.repeat(201)]) {
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts?q=${q}`, headers: editor.headers })
      assert.equal(response.statusCode, 400, response.body)
      assert.equal(response.json().errors[0].field, 'q')
    }
  })
})
