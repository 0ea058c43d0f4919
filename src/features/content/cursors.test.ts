import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

// Composite cursors (issue 8, item 5; decision 0013): every sort pages through
// every row once, ties broken by id, whatever is written between two pages.

type Headers = Record<string, string>
type Item = { id: number; status: string; title: string }

async function signedIn(testApp: TestApp, role: Role) {
  const user = await createUser(testApp.database.db, { role })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } as Headers }
}

/** Every item of a list, `limit` at a time, following next_cursor; fails on a page that is not 200. */
async function walk(testApp: TestApp, url: string, headers: Headers = {}, limit = 2, between?: (page: number) => Promise<void>) {
  const seen: Item[] = []
  let cursor: string | null = null
  for (let page = 0; page < 100; page++) {
    const pageUrl: string = `${url}${url.includes('?') ? '&' : '?'}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`
    const response = await testApp.app.inject({ method: 'GET', url: pageUrl, headers })
    assert.equal(response.statusCode, 200, response.body)
    const body = response.json() as { data: Item[]; next_cursor: string | null }
    assert.ok(body.data.length <= limit)
    seen.push(...body.data)
    cursor = body.next_cursor
    if (cursor === null) return seen
    await between?.(page)
  }
  throw new Error('more than 100 pages')
}

const T = (micros: string) => `2026-03-01 10:00:00.${micros}+00`

/**
 * Seven posts by one author with ties on every key: publication times that
 * differ only in microseconds (a millisecond cursor would lose them), equal
 * times, a draft created at a published post's publication time, equal titles.
 */
async function seedTies(testApp: TestApp) {
  const db = testApp.database.db
  const author = await createUser(db, { role: 'author' })
  const spec = [
    { title: 'Same', published: T('123456'), updated: T('000001') },
    { title: 'Same', published: T('123400'), updated: T('000001') },
    { title: 'Alpha', published: T('123456'), updated: T('000002') },
    { title: 'Beta', published: T('500000'), updated: T('000001') },
    { title: 'Same', published: null, created: T('123456'), updated: T('000002') },
    { title: 'Alpha', published: null, created: T('999999'), updated: T('000003') },
    { title: 'Gamma', published: T('000000'), updated: T('000003') },
  ]
  const rows = []
  for (const s of spec) {
    const post = await createPost(db, author, { published: s.published !== null })
    // Timestamps go as text (::text first): a timestamptz parameter would keep only milliseconds on postgres.js.
    await sql`update posts set title = ${s.title}, created_at = ${s.created ?? T('000000')}::text::timestamptz,
      published_at = ${s.published}::text::timestamptz, updated_at = ${s.updated}::text::timestamptz where id = ${post.id}`.execute(db)
    // The date key as the list sees it: publication time, or creation time for a draft never published.
    rows.push({ id: post.id, title: s.title, published: s.published !== null, date: s.published ?? s.created ?? '', updated: s.updated })
  }
  return { author, rows }
}

type Row = Awaited<ReturnType<typeof seedTies>>['rows'][number]
// Same-format timestamps and plain ASCII titles compare the same in JavaScript and in either database.
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)
const ORDERS: Record<string, (a: Row, b: Row) => number> = {
  newest: (a, b) => cmp(b.date, a.date) || b.id - a.id,
  oldest: (a, b) => cmp(a.date, b.date) || a.id - b.id,
  updated: (a, b) => cmp(b.updated, a.updated) || b.id - a.id,
  title: (a, b) => cmp(a.title, b.title) || a.id - b.id,
}

describe('content: composite cursors', () => {
  test('every sort pages through every post once, ties broken by id, for visitors and editors', async (t) => {
    const testApp = await buildTestApp(t)
    const { author, rows } = await seedTies(testApp)
    const editor = await signedIn(testApp, 'editor')
    for (const [sort, order] of Object.entries(ORDERS)) {
      const base = `/api/v1/posts?author=${author.id}&sort=${sort}`
      for (const limit of [1, 2, 3, 100]) {
        const all = [...rows].sort(order).map((r) => r.id)
        const published = [...rows]
          .filter((r) => r.published)
          .sort(order)
          .map((r) => r.id)
        assert.deepEqual(
          (await walk(testApp, base, editor.headers, limit)).map((p) => p.id),
          all,
          `${sort} editor, limit ${limit}`,
        )
        assert.deepEqual(
          (await walk(testApp, base, {}, limit)).map((p) => p.id),
          published,
          `${sort} anonymous, limit ${limit}`,
        )
        assert.deepEqual(
          (await walk(testApp, `${base}&status=published`, editor.headers, limit)).map((p) => p.id),
          published,
          `${sort} editor, status=published, limit ${limit}`,
        )
      }
    }
  })

  test('sort=newest orders published posts by publication time, not by id', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await createUser(db, { role: 'author' })
    const first = await createPost(db, author, { published: true })
    const second = await createPost(db, author, { published: true })
    // The older post was published last (after an unpublish, say): it comes first.
    await sql`update posts set published_at = ${T('000000')}::text::timestamptz where id = ${second.id}`.execute(db)
    await sql`update posts set published_at = ${T('500000')}::text::timestamptz where id = ${first.id}`.execute(db)
    const ids = (await walk(testApp, `/api/v1/posts?author=${author.id}&sort=newest`)).map((p) => p.id)
    assert.deepEqual(ids, [first.id, second.id])
  })

  test('rows written between two pages neither repeat nor hide the rows that were there', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const editor = await signedIn(testApp, 'editor')
    for (const sort of ['newest', 'oldest', 'title'] as const) {
      const { author, rows } = await seedTies(testApp)
      const expected = [...rows].sort(ORDERS[sort]).map((r) => r.id)
      const added: number[] = []
      const seen = await walk(testApp, `/api/v1/posts?author=${author.id}&sort=${sort}`, editor.headers, 2, async (page) => {
        // One row that sorts before every row (already passed) and one after every row
        // so far (still to come: strictly after, since a tie would go by id, and new ids are higher).
        const day = String(page + 1).padStart(2, '0')
        const early = sort === 'oldest' ? '2000-01-01 00:00:00+00' : '2099-01-01 00:00:00+00'
        const late = sort === 'oldest' ? `2099-01-${day} 00:00:00+00` : `2000-01-${String(28 - page).padStart(2, '0')} 00:00:00+00`
        for (const [date, title] of [
          [early, 'Aaa'],
          [late, `Zzz ${day}`],
        ] as const) {
          const post = await createPost(db, author)
          await sql`update posts set title = ${sort === 'title' ? title : 'Other'}, created_at = ${date}::text::timestamptz
            where id = ${post.id}`.execute(db)
          added.push(post.id)
        }
      })
      const ids = seen.map((p) => p.id)
      assert.equal(new Set(ids).size, ids.length, `${sort}: no row twice`)
      assert.deepEqual(
        ids.filter((id) => !added.includes(id)),
        expected,
        `${sort}: every row that was there, once, in order`,
      )
      // Each later page saw the rows added after its cursor (and none of those before it).
      const laterOnes = added.filter((_, i) => i % 2 === 1)
      assert.ok(
        laterOnes.every((id) => ids.includes(id)),
        `${sort}: rows added after the cursor are listed`,
      )
      assert.ok(
        added.filter((_, i) => i % 2 === 0).every((id) => !ids.includes(id)),
        `${sort}: rows added before the cursor are not`,
      )
    }
  })

  test('a deleted row does not shift the next page', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const { author, rows } = await seedTies(testApp)
    const expected = [...rows].sort(ORDERS.newest).map((r) => r.id)
    let deleted: number | undefined
    const seen = await walk(testApp, `/api/v1/posts?author=${author.id}&sort=newest`, editor.headers, 2, async (page) => {
      if (page !== 0) return
      // The last row of the first page goes away: the second page starts where it was.
      deleted = expected[1]
      const response = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/posts/${deleted}`, headers: editor.headers })
      assert.equal(response.statusCode, 204, response.body)
    })
    assert.deepEqual(
      seen.map((p) => p.id),
      expected,
    )
    assert.equal(typeof deleted, 'number')
  })

  test('a cursor after the longest title, in any script, is accepted back', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const author = await createUser(db, { role: 'author' })
    const titles = ['文'.repeat(200), `"\\${'\u0001'.repeat(198)}`, 'Ω'.repeat(200)]
    const ids: number[] = []
    for (const title of titles) {
      const post = await createPost(db, author, { published: true })
      await sql`update posts set title = ${title} where id = ${post.id}`.execute(db)
      ids.push(post.id)
    }
    const seen = await walk(testApp, `/api/v1/posts?author=${author.id}&sort=title`, {}, 1)
    assert.deepEqual(seen.map((p) => p.id).sort(), [...ids].sort())
  })

  test('tags page by name, ties by id, and by age', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const marker = randomBytes(4).toString('hex')
    const made: { id: number; name: string }[] = []
    for (const name of ['Mango', 'Apple', 'Mango', 'Kiwi', 'Apple']) {
      const response = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/tags',
        headers: editor.headers,
        payload: { name: `Zq ${marker} ${name}`, slug: `zq-${marker}-${made.length}` },
      })
      assert.equal(response.statusCode, 201, response.body)
      made.push(response.json())
    }
    const ours = (items: Item[]) => items.map((i) => i.id).filter((id) => made.some((m) => m.id === id))
    const byName = [...made].sort((a, b) => cmp(a.name, b.name) || a.id - b.id).map((m) => m.id)
    const everything = await walk(testApp, '/api/v1/tags?sort=name', {}, 2)
    assert.equal(new Set(everything.map((i) => i.id)).size, everything.length)
    assert.deepEqual(ours(everything), byName)
    assert.deepEqual(ours(await walk(testApp, '/api/v1/tags', {}, 3)), byName, 'name is the default')
    const ids = made.map((m) => m.id)
    assert.deepEqual(ours(await walk(testApp, '/api/v1/tags?sort=oldest', {}, 2)), ids)
    assert.deepEqual(ours(await walk(testApp, '/api/v1/tags?sort=newest', {}, 2)), [...ids].reverse())
  })
})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('content: bad cursors', () => {
  const cases: [string, string][] = [
    ['not base64 JSON', 'sort=newest&cursor=nonsense'],
    ['JSON that is not a cursor', `sort=newest&cursor=${b64({ id: 5 })}`],
    ['an empty array', `sort=newest&cursor=${b64([])}`],
    ['another sort of the same list', `sort=title&cursor=${b64(['newest', '2026-03-01T10:00:00.123456Z', 5])}`],
    ['a sort of another list', `sort=newest&cursor=${b64(['name', 'Apple', 5])}`],
    ['a search offset', `sort=newest&cursor=${b64(['relevance', 20])}`],
    ['a missing key', `sort=newest&cursor=${b64(['newest', 5])}`],
    ['an extra value', `sort=newest&cursor=${b64(['newest', '2026-03-01T10:00:00.123456Z', 5, 6])}`],
    ['a day that does not exist', `sort=newest&cursor=${b64(['newest', '2026-02-31T10:00:00.000000Z', 5])}`],
    ['an hour that does not exist', `sort=oldest&cursor=${b64(['oldest', '2026-03-01T25:00:00.000000Z', 5])}`],
    ['a date without microseconds', `sort=newest&cursor=${b64(['newest', '2026-03-01T10:00:00Z', 5])}`],
    ['a number for a date', `sort=newest&cursor=${b64(['newest', 1772359200000, 5])}`],
    ['a date for a title', `sort=title&cursor=${b64(['title', 12, 5])}`],
    ['a NUL in a title', `sort=title&cursor=${b64(['title', 'a\u0000b', 5])}`],
    ['a zero id', `sort=title&cursor=${b64(['title', 'Alpha', 0])}`],
    ['a fractional id', `sort=title&cursor=${b64(['title', 'Alpha', 1.5])}`],
    ['an id beyond 2^53', `sort=title&cursor=${b64(['title', 'Alpha', 2 ** 60])}`],
    ['a string id', `sort=title&cursor=${b64(['title', 'Alpha', '5'])}`],
  ]
  for (const [name, query] of cases) {
    test(`${name} is a 400 naming cursor`, async (t) => {
      const testApp = await buildTestApp(t)
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts?${query}` })
      assert.equal(response.statusCode, 400, response.body)
      assert.match(String(response.headers['content-type']), /application\/problem\+json/)
      assert.deepEqual(
        response.json().errors.map((e: { field: string; in: string }) => [e.field, e.in]),
        [['cursor', 'querystring']],
      )
    })
  }

  test('a cursor of the right shape is a position, whatever made it: 200', async (t) => {
    const testApp = await buildTestApp(t)
    for (const query of [
      `sort=title&cursor=${b64(['title', 'Ünïcödé "quoted" \\ text', 1])}`,
      `sort=newest&cursor=${b64(['newest', '1999-12-31T23:59:59.999999Z', 1])}`,
      `sort=oldest&cursor=${b64(['oldest', '2026-02-28T00:00:00.000001Z', Number.MAX_SAFE_INTEGER])}`,
    ]) {
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/posts?${query}` })
      assert.equal(response.statusCode, 200, `${query}: ${response.body}`)
    }
  })

  test('the other lists refuse a cursor of another list', async (t) => {
    const testApp = await buildTestApp(t)
    const admin = await signedIn(testApp, 'admin')
    const postCursor = b64(['newest', '2026-03-01T10:00:00.123456Z', 5])
    for (const url of [
      `/api/v1/tags?sort=newest&cursor=${b64(['name', 'Apple', 5])}`,
      `/api/v1/categories?cursor=${postCursor}`,
      `/api/v1/media?cursor=${postCursor}`,
      `/api/v1/users?cursor=${postCursor}`,
      `/api/v1/audit?cursor=${b64(['relevance', 5])}`,
      `/api/v1/search?q=word&cursor=${b64(['newest', 5])}`,
    ]) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: admin.headers })
      assert.equal(response.statusCode, 400, `${url}: ${response.body}`)
      assert.equal(response.json().errors[0].field, 'cursor', url)
    }
  })
})
