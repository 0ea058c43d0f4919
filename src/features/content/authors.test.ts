import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

async function signedIn(testApp: TestApp, role: Role, name?: string) {
  const user = await createUser(testApp.database.db, { role, ...(name ? { name } : {}) })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}

type AuthorPage = { data: { id: number; name: string }[]; next_cursor: string | null }

describe('GET /api/v1/authors', () => {
  test('an editor lists who may write and who wrote, by name, with id and name only; q narrows it; paged', async (t) => {
    const testApp = await buildTestApp(t)
    const { db } = testApp.database
    // A marker in every name, so the assertions see only this test's people.
    const tag = `zq${randomBytes(3).toString('hex')}`
    const editor = await signedIn(testApp, 'editor', `Carla ${tag}`)
    const author = await createUser(db, { role: 'author', name: `Bruno ${tag}` })
    const admin = await createUser(db, { role: 'admin', name: `Alma ${tag}` })
    const member = await createUser(db, { role: 'member', name: `Dora ${tag}` })
    // Wrote a post as an author, then was made a member: still in the filter (the post keeps its author).
    const former = await createUser(db, { role: 'author', name: `Emil ${tag}` })
    await createPost(db, former)
    await sql`update users set role = 'member' where id = ${former.id}`.execute(db)

    const get = (query: string, headers: Record<string, string> = editor.headers) =>
      testApp.app.inject({ method: 'GET', url: `/api/v1/authors${query}`, headers })
    const all = await get(`?q=${tag}&limit=100`)
    assert.equal(all.statusCode, 200, all.body)
    const page = all.json() as AuthorPage
    assert.deepEqual(page.data, [
      { id: admin.id, name: `Alma ${tag}` },
      { id: author.id, name: `Bruno ${tag}` },
      { id: editor.user.id, name: `Carla ${tag}` },
      { id: former.id, name: `Emil ${tag}` },
    ])
    assert.ok(!page.data.some((row) => row.id === member.id), 'a member who never wrote is not an author')
    assert.equal(page.next_cursor, null)

    // q is a part of the name, any case.
    const bruno = (await get(`?q=${encodeURIComponent(`BRUNO ${tag}`)}`)).json() as AuthorPage
    assert.deepEqual(
      bruno.data.map((row) => row.id),
      [author.id],
    )

    // Paged by name with a cursor.
    const names: string[] = []
    let cursor: string | null = null
    do {
      const response = await get(`?q=${tag}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      assert.equal(response.statusCode, 200, response.body)
      const next = response.json() as AuthorPage
      names.push(...next.data.map((row) => row.name.split(' ')[0] as string))
      cursor = next.next_cursor
    } while (cursor)
    assert.deepEqual(names, ['Alma', 'Bruno', 'Carla', 'Emil'])

    // The names filter the posts list by author id.
    const posts = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts?author=${former.id}`, headers: editor.headers })
    assert.equal(posts.statusCode, 200)
    assert.equal(posts.json().data.length, 1)
  })

  test('only editors and admins may list authors; bad input is a 400', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const admin = await signedIn(testApp, 'admin')
    const get = (query: string, headers: Record<string, string>) =>
      testApp.app.inject({ method: 'GET', url: `/api/v1/authors${query}`, headers })
    assert.equal((await get('', {})).statusCode, 401)
    assert.equal((await get('', author.headers)).statusCode, 403)
    assert.equal((await get('', admin.headers)).statusCode, 200)
    for (const [query, field] of [
      ['?q=', 'q'],
      [`?q=${'x'.repeat(101)}`, 'q'],
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?sort=name', 'sort'],
    ] as const) {
      const response = await get(query, admin.headers)
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`)
      assert.ok(
        (response.json().errors as { field: string }[]).some((error) => error.field === field),
        `${query} names ${field}: ${response.body}`,
      )
    }
  })
})
