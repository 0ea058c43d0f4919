import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

// Render-ready posts and pages (issue 10, item 5; decision 0019): reads carry
// url, author, cover and terms; writes name terms by id or by name and the cover
// by id; lists count on request (include_total).

type Headers = Record<string, string>
const call = (testApp: TestApp, method: 'GET' | 'POST' | 'PATCH', url: string, headers: Headers = {}, payload?: object) =>
  testApp.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

async function signedIn(testApp: TestApp, role: Role, name = `A ${role}`) {
  const user = await createUser(testApp.database.db, { role, name })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } as Headers }
}

const word = () => randomBytes(4).toString('hex')
const hex = (c: string) => c.repeat(64)

/** An image owned by `ownerId` with three variants (rows only: the reads need no bytes). */
async function image(testApp: TestApp, ownerId: number, alt: string) {
  const db = testApp.database.db
  const sha = randomBytes(32).toString('hex')
  const media = await sql<{ id: number }>`insert into media (owner_id, sha256, extension, mime_type, size_bytes, width, height, alt)
    values (${ownerId}, ${sha}, 'jpg', 'image/jpeg', 1000, 1600, 900, ${alt}) returning id`.execute(db)
  const id = (media.rows[0] as { id: number }).id
  await sql`insert into media_variants (media_id, format, width, height, sha256, size_bytes) values
    (${id}, 'webp', 800, 450, ${hex('b')}, 10), (${id}, 'webp', 400, 225, ${hex('c')}, 10), (${id}, 'jpg', 400, 225, ${hex('d')}, 10)`.execute(
    db,
  )
  return { id, sha }
}

const termNames = (testApp: TestApp, kind: 'tags' | 'categories', names: string[]) =>
  sql<{
    id: number
    name: string
    slug: string
  }>`select id, name, slug from ${sql.raw(kind)} where name = any(${names}::text[]) order by id`
    .execute(testApp.database.db)
    .then((r) => r.rows)

const changeTags = (testApp: TestApp, after: number) =>
  sql<{ tags: string[] }>`select tags from changes where id > ${after} order by id`
    .execute(testApp.database.db)
    .then((r) => r.rows.flatMap((row) => row.tags))
const lastChange = (testApp: TestApp) =>
  sql<{ id: number | null }>`select max(id)::int as id from changes`.execute(testApp.database.db).then((r) => r.rows[0]?.id ?? 0)

describe('content: render-ready reads', () => {
  test('anyone sees a published post with its url, author name, cover with srcset and terms — and nothing private', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor', 'Ada Editor')
    const cover = await image(testApp, editor.user.id, 'A harbour at dawn')
    const created = await call(testApp, 'POST', '/api/v1/posts', editor.headers, {
      title: 'Harbour notes',
      slug: `harbour-${word()}`,
      body: 'Boats.',
      cover: { id: cover.id },
      tags: [{ name: 'Zebra boats' }, { name: 'Anchors' }],
      categories: [{ name: 'Travel' }],
    })
    assert.equal(created.statusCode, 201, created.body)
    const draft = created.json()
    assert.equal(draft.url, null, 'a draft has no public url')
    const published = await call(testApp, 'POST', `/api/v1/posts/${draft.id}/publish`, editor.headers)
    assert.equal(published.statusCode, 200, published.body)

    const [anchors, zebra] = await termNames(testApp, 'tags', ['Anchors', 'Zebra boats']).then((rows) =>
      [...rows].sort((a, b) => a.name.localeCompare(b.name)),
    )
    const [travel] = await termNames(testApp, 'categories', ['Travel'])
    const expected = {
      id: draft.id,
      type: 'post',
      title: 'Harbour notes',
      slug: draft.slug,
      url: `/blog/${draft.slug}`,
      excerpt: '',
      seo_title: '',
      seo_description: '',
      author: { id: editor.user.id, name: 'Ada Editor' },
      cover: {
        id: cover.id,
        url: `/media/${cover.sha}.jpg`,
        alt: 'A harbour at dawn',
        width: 1600,
        height: 900,
        srcset: [
          { type: 'image/webp', srcset: `/media/${hex('c')}.webp 400w, /media/${hex('b')}.webp 800w` },
          { type: 'image/jpeg', srcset: `/media/${hex('d')}.jpg 400w` },
        ],
      },
      status: 'published',
      publish_at: null,
      tags: [anchors, zebra],
      categories: [travel],
    }
    const { published_at, created_at, updated_at, ...listed } = (
      await call(testApp, 'GET', `/api/v1/posts?author=${editor.user.id}`)
    ).json().data[0]
    assert.deepEqual(listed, expected)
    assert.ok(published_at && created_at && updated_at)
    for (const url of [`/api/v1/posts/${draft.id}`, `/api/v1/posts?slug=${draft.slug}`]) {
      const response = await call(testApp, 'GET', url)
      assert.equal(response.statusCode, 200, response.body)
      const body = response.json()
      const { published_at: _p, created_at: _c, updated_at: _u, body: text, body_html, ...rest } = body.data ? body.data[0] : body
      assert.deepEqual(rest, expected, url)
      assert.equal(text, 'Boats.')
      assert.equal(body_html, '<p>Boats.</p>\n')
    }
    // The write answered the same shape (read in its transaction).
    assert.deepEqual(published.json().author, expected.author)
    assert.deepEqual(published.json().cover, expected.cover)
  })

  test('pages carry url /{slug}, author and cover, and no terms; archived and draft content has no url', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor', 'Page Keeper')
    const page = (await call(testApp, 'POST', '/api/v1/pages', editor.headers, { title: 'About us', slug: `about-${word()}` })).json()
    assert.equal(page.url, null)
    const published = (await call(testApp, 'POST', `/api/v1/pages/${page.id}/publish`, editor.headers)).json()
    assert.equal(published.url, `/${page.slug}`)
    assert.deepEqual(published.author, { id: editor.user.id, name: 'Page Keeper' })
    assert.equal(published.cover, null)
    assert.equal('tags' in published, false)
    assert.equal('categories' in published, false)
    const anonymous = (await call(testApp, 'GET', `/api/v1/pages?slug=${page.slug}`)).json().data[0]
    assert.equal(anonymous.url, `/${page.slug}`)
    const archived = (await call(testApp, 'POST', `/api/v1/pages/${page.id}/archive`, editor.headers)).json()
    assert.equal(archived.url, null)
  })

  test('an author sees their own draft with its url null; anonymous callers never see drafts or their authors', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author', 'Quiet Writer')
    const draft = await createPost(testApp.database.db, author.user, { title: 'Unfinished' })
    const own = (await call(testApp, 'GET', `/api/v1/posts/${draft.id}`, author.headers)).json()
    assert.equal(own.url, null)
    assert.deepEqual(own.author, { id: author.user.id, name: 'Quiet Writer' })
    assert.equal((await call(testApp, 'GET', `/api/v1/posts/${draft.id}`)).statusCode, 404)
    assert.deepEqual((await call(testApp, 'GET', `/api/v1/posts?author=${author.user.id}`)).json().data, [])
  })
})

describe('content: terms and cover on write', () => {
  test('an editor names tags by id and by name: known names are reused (by name or slug), unknown ones created and recorded', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const suffix = word()
    const existing = (await call(testApp, 'POST', '/api/v1/tags', editor.headers, { name: `Postgres ${suffix}` })).json()
    const byId = (await call(testApp, 'POST', '/api/v1/tags', editor.headers, { name: `Kept ${suffix}` })).json()
    const before = await lastChange(testApp)
    const created = await call(testApp, 'POST', '/api/v1/posts', editor.headers, {
      title: 'Mixed terms',
      tags: [{ id: byId.id }, { name: `postgres ${suffix}` }, { name: `  Fresh ${suffix}  ` }, { name: `Fresh ${suffix}` }],
      categories: [{ name: `Новости ${suffix}` }],
    })
    assert.equal(created.statusCode, 201, created.body)
    const [fresh] = await termNames(testApp, 'tags', [`Fresh ${suffix}`])
    const [news] = await termNames(testApp, 'categories', [`Новости ${suffix}`])
    assert.ok(fresh && news, 'the unknown names were created, once each')
    assert.equal(fresh.slug, `fresh-${suffix}`)
    assert.equal(news.slug, `novosti-${suffix}`)
    assert.equal((await termNames(testApp, 'tags', [`postgres ${suffix}`])).length, 0, '"postgres" found "Postgres" by its slug')
    const post = created.json()
    assert.deepEqual(
      post.tags.map((tag: { id: number }) => tag.id).sort((a: number, b: number) => a - b),
      [existing.id, byId.id, fresh.id].sort((a, b) => a - b),
    )
    assert.deepEqual(post.categories, [{ id: news.id, slug: news.slug, name: news.name }])
    const recorded = await changeTags(testApp, before)
    for (const tag of [`tag:${fresh.id}`, 'list:tags', `category:${news.id}`, 'list:categories', `post:${post.id}`]) {
      assert.ok(recorded.includes(tag), `${tag} in ${recorded.join(' ')}`)
    }
    assert.equal(recorded.includes(`tag:${existing.id}`), false, 'a term only used is not a changed term')

    // PATCH replaces the list; an empty list clears it; leaving it out keeps it.
    const patched = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, editor.headers, { tags: [{ id: existing.id }] })
    assert.deepEqual(
      patched.json().tags.map((tag: { id: number }) => tag.id),
      [existing.id],
    )
    const retitled = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, editor.headers, { title: 'Retitled' })
    assert.deepEqual(retitled.json().tags, patched.json().tags)
    const cleared = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, editor.headers, { tags: [], categories: [] })
    assert.deepEqual([cleared.json().tags, cleared.json().categories], [[], []])
  })

  test('an author may use existing terms by name but not create one: 400 naming the item, nothing written', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const author = await signedIn(testApp, 'author')
    const suffix = word()
    const known = (await call(testApp, 'POST', '/api/v1/categories', editor.headers, { name: `Known ${suffix}` })).json()
    const title = `Author post ${suffix}`
    const refused = await call(testApp, 'POST', '/api/v1/posts', author.headers, {
      title,
      tags: [{ name: `Invented ${suffix}` }],
      categories: [{ name: `Known ${suffix}` }, { name: `Also new ${suffix}` }],
    })
    assert.equal(refused.statusCode, 400, refused.body)
    assert.deepEqual(
      refused.json().errors.map((e: { field: string }) => e.field),
      ['tags.0.name', 'categories.1.name'],
    )
    assert.equal((await termNames(testApp, 'tags', [`Invented ${suffix}`])).length, 0)
    assert.equal((await termNames(testApp, 'categories', [`Also new ${suffix}`])).length, 0)
    const rows = await sql<{ n: number }>`select count(*)::int as n from posts where title = ${title}`.execute(testApp.database.db)
    assert.equal(rows.rows[0]?.n, 0)

    const allowed = await call(testApp, 'POST', '/api/v1/posts', author.headers, { title, categories: [{ name: `Known ${suffix}` }] })
    assert.equal(allowed.statusCode, 201, allowed.body)
    assert.deepEqual(allowed.json().categories, [{ id: known.id, slug: known.slug, name: known.name }])
  })

  test('a write that fails after naming new terms creates none of them (one transaction)', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const suffix = word()
    const taken = await createPost(testApp.database.db, editor.user, { slug: `taken-${suffix}` })
    const before = await lastChange(testApp)
    // A taken slug fails at the post's insert, after the new tag was inserted: 409, and the tag is gone with it.
    const conflict = await call(testApp, 'POST', '/api/v1/posts', editor.headers, {
      title: 'Duplicate',
      slug: taken.slug,
      tags: [{ name: `Orphan ${suffix}` }],
    })
    assert.equal(conflict.statusCode, 409, conflict.body)
    // An unknown id beside a new name: 400 naming the id, and the name is not created.
    const unknown = await call(testApp, 'PATCH', `/api/v1/posts/${taken.id}`, editor.headers, {
      title: 'Changed',
      tags: [{ name: `Orphan two ${suffix}` }, { id: Number.MAX_SAFE_INTEGER }],
    })
    assert.equal(unknown.statusCode, 400, unknown.body)
    assert.deepEqual(
      unknown.json().errors.map((e: { field: string }) => e.field),
      ['tags.1.id'],
    )
    assert.deepEqual(await termNames(testApp, 'tags', [`Orphan ${suffix}`, `Orphan two ${suffix}`]), [])
    const post = (await call(testApp, 'GET', `/api/v1/posts/${taken.id}`, editor.headers)).json()
    assert.notEqual(post.title, 'Changed')
    assert.deepEqual(await changeTags(testApp, before), [])
  })

  test('two writes naming the same new tag at once both succeed and share one tag', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const name = `Simultaneous ${word()}`
    const [a, b] = await Promise.all(
      ['One', 'Two'].map((title) => call(testApp, 'POST', '/api/v1/posts', editor.headers, { title, tags: [{ name }] })),
    )
    assert.equal(a?.statusCode, 201, a?.body)
    assert.equal(b?.statusCode, 201, b?.body)
    const rows = await termNames(testApp, 'tags', [name])
    assert.equal(rows.length, 1)
    assert.deepEqual(a?.json().tags, b?.json().tags)
  })

  test('a cover is set by {id}, kept when left out, removed with null', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const own = await image(testApp, author.user.id, 'Mine')
    const post = await createPost(testApp.database.db, author.user)
    const set = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, { cover: { id: own.id } })
    assert.equal(set.statusCode, 200, set.body)
    assert.equal(set.json().cover.url, `/media/${own.sha}.jpg`)
    assert.equal(set.json().cover.alt, 'Mine')
    const kept = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, { title: 'Still covered' })
    assert.equal(kept.json().cover.id, own.id)
    const removed = await call(testApp, 'PATCH', `/api/v1/posts/${post.id}`, author.headers, { cover: null })
    assert.equal(removed.json().cover, null)
  })
})

describe('content: include_total and publication order', () => {
  /** Five published posts and two drafts by one author, published in an order unlike their ids; three tagged. */
  async function seed(testApp: TestApp) {
    const db = testApp.database.db
    const author = await createUser(db, { role: 'author' })
    const editor = await signedIn(testApp, 'editor')
    const tag = (await call(testApp, 'POST', '/api/v1/tags', editor.headers, { name: `Counted ${word()}` })).json()
    const days = [3, 1, 5, 2, 4] // publication day of each post, in id order
    const published = []
    for (const [i, day] of days.entries()) {
      const post = await createPost(db, author, { published: true, ...(i % 2 === 0 ? { tag_ids: [tag.id] } : {}) })
      await sql`update posts set published_at = ${`2026-03-0${day} 10:00:00+00`}::text::timestamptz where id = ${post.id}`.execute(db)
      published.push({ id: post.id, day })
    }
    const drafts = [await createPost(db, author), await createPost(db, author)]
    return { author, editor, tag, published, drafts }
  }

  async function walk(testApp: TestApp, url: string, headers: Headers = {}) {
    const ids: number[] = []
    const totals: number[] = []
    let cursor: string | null = null
    for (let page = 0; page < 20; page++) {
      const response = await call(testApp, 'GET', `${url}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`, headers)
      assert.equal(response.statusCode, 200, response.body)
      const body = response.json() as { data: { id: number }[]; next_cursor: string | null; total?: number }
      ids.push(...body.data.map((item) => item.id))
      if (body.total !== undefined) totals.push(body.total)
      cursor = body.next_cursor
      if (cursor === null) return { ids, totals }
    }
    throw new Error('too many pages')
  }

  test('newest and oldest follow the publication date across pages; total counts the filtered list on every page', async (t) => {
    const testApp = await buildTestApp(t)
    const { author, editor, tag, published, drafts } = await seed(testApp)
    const byDay = [...published].sort((a, b) => b.day - a.day).map((p) => p.id)
    const base = `/api/v1/posts?author=${author.id}&include_total=true`

    const newest = await walk(testApp, `${base}&sort=newest`)
    assert.deepEqual(newest.ids, byDay)
    assert.deepEqual(newest.totals, [5, 5, 5])
    const oldest = await walk(testApp, `${base}&sort=oldest`)
    assert.deepEqual(oldest.ids, [...byDay].reverse())

    const tagged = published.filter((_, i) => i % 2 === 0)
    const byTag = await walk(testApp, `${base}&tag=${tag.slug}`)
    assert.deepEqual(
      byTag.ids,
      [...tagged].sort((a, b) => b.day - a.day).map((p) => p.id),
    )
    assert.deepEqual(byTag.totals, [3, 3])

    // Editors see the drafts too (7); status narrows it (2).
    assert.deepEqual((await walk(testApp, base, editor.headers)).totals, [7, 7, 7, 7])
    const onlyDrafts = await walk(testApp, `${base}&status=draft`, editor.headers)
    assert.deepEqual(onlyDrafts.ids.sort(), drafts.map((d) => d.id).sort())
    assert.deepEqual(onlyDrafts.totals, [2])
    // Nothing matches: total 0.
    assert.deepEqual((await walk(testApp, `/api/v1/posts?author=${editor.user.id}&include_total=true`)).totals, [0])
  })

  test('total is there only when asked; include_total takes only true or false', async (t) => {
    const testApp = await buildTestApp(t)
    const { author } = await seed(testApp)
    for (const url of [`/api/v1/posts?author=${author.id}`, `/api/v1/posts?author=${author.id}&include_total=false`, '/api/v1/tags']) {
      const body = (await call(testApp, 'GET', url)).json()
      assert.equal('total' in body, false, url)
    }
    for (const value of ['yes', '2', '']) {
      const response = await call(testApp, 'GET', `/api/v1/posts?include_total=${value}`)
      assert.equal(response.statusCode, 400, value)
      assert.equal(response.json().errors[0].field, 'include_total')
    }
  })

  test('tags, categories and pages count on request too', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const count = async (kind: string) =>
      sql<{ n: number }>`select count(*)::int as n from ${sql.raw(kind)}`.execute(testApp.database.db).then((r) => r.rows[0]?.n)
    for (const kind of ['tags', 'categories']) {
      for (let i = 0; i < 3; i++) await call(testApp, 'POST', `/api/v1/${kind}`, editor.headers, { name: `${kind} ${i} ${word()}` })
      const page = (await call(testApp, 'GET', `/api/v1/${kind}?limit=1&include_total=true`)).json()
      assert.equal(page.data.length, 1)
      assert.equal(page.total, await count(kind))
      const next = (await call(testApp, 'GET', `/api/v1/${kind}?limit=1&include_total=true&cursor=${page.next_cursor}`)).json()
      assert.equal(next.total, page.total, 'the cursor does not change the total')
    }
    const page = await createPost(testApp.database.db, editor.user, { type: 'page', published: true })
    const pages = (await call(testApp, 'GET', `/api/v1/pages?author=${editor.user.id}&include_total=true`)).json()
    assert.deepEqual([pages.total, pages.data[0].id], [1, page.id])
  })
})
