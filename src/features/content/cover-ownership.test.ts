import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { type Db, sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

/**
 * Issue 9, item 9: a post's cover must be media its writer may use — an
 * author's own uploads, any item for editors and admins — and "does not
 * exist" answers exactly as "not yours".
 */
async function signedIn(testApp: TestApp, role: Role) {
  const user = await createUser(testApp.database.db, { role })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}

/** A media row owned by `ownerId` (the bytes are not needed to be a cover). */
const mediaOf = async (db: Db, ownerId: number) =>
  (
    (
      await sql<{ id: number }>`insert into media (owner_id, sha256, extension, mime_type, size_bytes, width, height)
        values (${ownerId}, ${randomBytes(32).toString('hex')}, 'png', 'image/png', 10, 1, 1) returning id`.execute(db)
    ).rows[0] as { id: number }
  ).id

type Headers = Record<string, string>
const call = (testApp: TestApp, method: 'GET' | 'POST' | 'PATCH', url: string, headers: Headers, payload?: object) =>
  testApp.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

/** What a refusal says, with the id it names made neutral: the two refusals must not be told apart. */
const refusal = (body: string, id: number) => {
  const { status, code, detail, errors } = JSON.parse(body.replaceAll(String(id), '<id>'))
  return { status, code, detail, errors }
}

const revisionsOf = async (testApp: TestApp, id: number, headers: Headers) =>
  (await call(testApp, 'GET', `/api/v1/posts/${id}/revisions`, headers)).json().data.length as number

describe('cover ownership', () => {
  test("an author cannot use another author's image as a cover: the same 400 as an id that does not exist, nothing written", async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const other = await signedIn(testApp, 'author')
    const theirs = await mediaOf(db, other.user.id)
    const missing = theirs + 1_000_000

    const title = `Cover of another ${randomBytes(4).toString('hex')}`
    const notYours = await call(testApp, 'POST', '/api/v1/posts', author.headers, { title, cover: { id: theirs } })
    const unknown = await call(testApp, 'POST', '/api/v1/posts', author.headers, { title, cover: { id: missing } })
    assert.equal(notYours.statusCode, 400, notYours.body)
    assert.deepEqual(refusal(notYours.body, theirs), refusal(unknown.body, missing))
    assert.deepEqual(
      notYours.json().errors.map((e: { field: string }) => e.field),
      ['cover.id'],
    )
    const rows = await sql<{ n: number }>`select count(*)::int as n from posts where title = ${title}`.execute(db)
    assert.equal(rows.rows[0]?.n, 0)

    const created = await call(testApp, 'POST', '/api/v1/posts', author.headers, { title: 'Mine' })
    const post = created.json()
    const patchTheirs = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, {
      cover: { id: theirs },
      title: 'Changed',
    })
    const patchMissing = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, {
      cover: { id: missing },
      title: 'Changed',
    })
    assert.equal(patchTheirs.statusCode, 400, patchTheirs.body)
    assert.deepEqual(refusal(patchTheirs.body, theirs), refusal(patchMissing.body, missing))
    const after = (await call(testApp, 'GET', `/api/v1/posts/${post.id}`, author.headers)).json()
    assert.equal(after.cover, null)
    assert.equal(after.title, 'Mine')
    assert.equal(await revisionsOf(testApp, post.id, author.headers), 1)
  })

  test('an author uses their own uploads; editors and admins use any image', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const mine = await mediaOf(db, author.user.id)
    const own = await call(testApp, 'POST', '/api/v1/posts', author.headers, { title: 'Own cover', cover: { id: mine } })
    assert.equal(own.statusCode, 201, own.body)
    assert.equal(own.json().cover?.id, mine)

    for (const role of ['editor', 'admin'] as const) {
      const writer = await signedIn(testApp, role)
      const created = await call(testApp, 'POST', '/api/v1/posts', writer.headers, { title: `${role} cover`, cover: { id: mine } })
      assert.equal(created.statusCode, 201, `${role}: ${created.body}`)
      const patched = await call(testApp, 'PATCH', `/api/v1/posts/${own.json().id}`, writer.headers, { cover: { id: mine } })
      assert.equal(patched.statusCode, 200, `${role}: ${patched.body}`)
    }
  })

  test('an author keeps the cover an editor chose for their post, and may send it back unchanged', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const editorsImage = await mediaOf(db, editor.user.id)
    const post = (await call(testApp, 'POST', '/api/v1/posts', author.headers, { title: 'Draft' })).json()
    const chosen = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, editor.headers, { cover: { id: editorsImage } })
    assert.equal(chosen.statusCode, 200, chosen.body)

    const retitled = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, { title: 'Retitled' })
    assert.equal(retitled.statusCode, 200, retitled.body)
    assert.equal(retitled.json().cover?.id, editorsImage)
    const resent = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, {
      title: 'Again',
      cover: { id: editorsImage },
    })
    assert.equal(resent.statusCode, 200, resent.body)
    assert.equal(resent.json().cover?.id, editorsImage)
  })

  test('restoring a revision whose cover the writer may no longer use restores it without the cover; an editor gets it back', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await signedIn(testApp, 'author')
    const editor = await signedIn(testApp, 'editor')
    const editorsImage = await mediaOf(db, editor.user.id)
    const post = (await call(testApp, 'POST', '/api/v1/posts', author.headers, { title: 'First' })).json()
    // Revision 2: the editor's image; revision 3: no cover.
    assert.equal(
      (await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, editor.headers, { title: 'Second', cover: { id: editorsImage } }))
        .statusCode,
      200,
    )
    assert.equal(
      (await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, editor.headers, { title: 'Third', cover: null })).statusCode,
      200,
    )

    const byAuthor = await call(testApp, 'POST', `/api/v1/posts/${post.id}/revisions/2/restore`, author.headers)
    assert.equal(byAuthor.statusCode, 200, byAuthor.body)
    assert.equal(byAuthor.json().title, 'Second')
    assert.equal(byAuthor.json().cover, null)

    const byEditor = await call(testApp, 'POST', `/api/v1/posts/${post.id}/revisions/2/restore`, editor.headers)
    assert.equal(byEditor.statusCode, 200, byEditor.body)
    assert.equal(byEditor.json().cover?.id, editorsImage)
  })
})
