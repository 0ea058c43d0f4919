import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import type { Clock } from '#core/clock.ts'
import { type Db, sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../test/clock.ts'
import { createPost, createUser } from '../../../test/factories.ts'
import { renderMarkdown, slugify } from '../content/markdown.ts'
import { localMediaStore } from '../media/media.store.ts'
import { BODY_WORDS, composeBody, countWords } from './demo.bodies.ts'
import { AUTHORS, DRAFTS, PAGES, POSTS, SCHEDULED } from './demo.corpus.ts'
import { DEMO_POSTS_MAX, seedDemo } from './seed-demo.ts'

/** These tests seed a few posts (the full site takes a few seconds) and check the rest of the corpus without images. */
const FEW = 4

async function seededApp(t: TestContext, clock: Clock = testClock(TRICKY_HOURS[0])) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-demo-'))
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const testApp = await buildTestApp(t, { privateDatabase: true, env: { DATA_DIR: dataDir } })
  const store = localMediaStore(dataDir)
  return { ...testApp, store, seed: () => seedDemo(testApp.database.db, store, { posts: FEW, clock }) }
}

const count = async (db: Db, table: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]?.n ?? 0

for (const hour of TRICKY_HOURS) {
  test(`seed demo fills a new site with published posts, covers with variants, pages, drafts and a scheduled post (at ${hour})`, {
    timeout: 120_000,
  }, async (t) => {
    const clock = testClock(hour)
    const now = clock().getTime()
    const site = await seededApp(t, clock)
    const { db } = site.database
    const result = await site.seed()
    assert.equal(result.status, 'seeded')
    assert.ok(result.status === 'seeded')
    assert.equal(result.summary.published, FEW)
    assert.equal(result.summary.images, FEW + DRAFTS.length + 1 + 1, 'a cover per post, and a chart for the second post')

    const posts = (
      await sql<{
        id: number
        slug: string
        status: string
        body: string
        body_html: string
        excerpt: string
        seo_description: string
        cover_media_id: number | null
        published_at: Date | null
        publish_at: Date | null
        tags: number
        categories: number
      }>`
      select p.id, p.slug, p.status, p.body, p.body_html, p.excerpt, p.seo_description, p.cover_media_id, p.published_at, p.publish_at,
        (select count(*)::int from post_tags pt where pt.post_id = p.id) as tags,
        (select count(*)::int from post_categories pc where pc.post_id = p.id) as categories
      from posts p where p.type = 'post' order by p.id`.execute(db)
    ).rows
    const published = posts.filter((p) => p.status === 'published')
    assert.equal(published.length, FEW)
    assert.deepEqual(
      posts.filter((p) => p.status !== 'published').map((p) => p.status),
      ['draft', 'draft', 'scheduled'],
    )
    for (const post of posts) {
      assert.ok(post.tags >= 1 && post.tags <= 4, `${post.slug}: ${post.tags} tags`)
      assert.equal(post.categories, 1, post.slug)
      assert.ok(post.body_html.startsWith('<'), `${post.slug} has rendered HTML`)
      assert.ok(post.excerpt.length > 0 && post.seo_description.length > 0, post.slug)
      const words = countWords(post.body)
      assert.ok(words >= BODY_WORDS.min && words <= BODY_WORDS.max, `${post.slug}: ${words} words`)

      // The cover is stored, and its variants are done and stored too.
      assert.ok(post.cover_media_id, `${post.slug} has a cover`)
      const media = (
        await sql<{ sha256: string; extension: string; variants_status: string; alt: string }>`
      select sha256, extension, variants_status, alt from media where id = ${post.cover_media_id}`.execute(db)
      ).rows[0]
      assert.ok(media)
      assert.equal(media.variants_status, 'done')
      assert.ok(media.alt.length > 0)
      assert.ok(await site.store.has(media), `${post.slug}: cover file stored`)
      const variants = (
        await sql<{ sha256: string; format: string }>`select sha256, format from media_variants
      where media_id = ${post.cover_media_id}`.execute(db)
      ).rows
      assert.equal(variants.length, 9, 'AVIF, WebP and JPEG at 320 and 640 px and at the original width')
      for (const v of variants) assert.ok(await site.store.has({ sha256: v.sha256, extension: v.format }))
    }
    // Published a week apart over the past months, oldest first; the scheduled one is in the future.
    const times = published.map((p) => (p.published_at as Date).getTime())
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
    )
    assert.ok((times[0] as number) < now - 28 * 24 * 3600 * 1000)
    assert.ok((times.at(-1) as number) < now)
    assert.ok(Number(posts.at(-1)?.publish_at) > now)

    // Markdown features come through the sanitiser, including an embedded image that is served.
    const html = published.map((p) => p.body_html).join('\n')
    for (const tag of [
      '<h2 id=',
      '<table>',
      '<pre><code class="language-',
      '<blockquote>',
      '<ul>',
      '<ol>',
      '<a href="https://',
      'class="footnotes"',
    ]) {
      assert.ok(html.includes(tag), `some body has ${tag}`)
    }
    const image = /<img src="(\/media\/[0-9a-f]{64}\.png)" alt="([^"]+)"/.exec(html)
    assert.ok(image, 'a chart embedded in a body')
    const file = await site.app.inject({ method: 'GET', url: image[1] as string })
    assert.equal(file.statusCode, 200)
    assert.equal(file.headers['content-type'], 'image/png')

    const pages = (
      await sql<{ slug: string; body_html: string }>`select slug, body_html from posts
    where type = 'page' and status = 'published'`.execute(db)
    ).rows
    assert.deepEqual(pages.map((p) => p.slug).sort(), PAGES.map((p) => p.slug).sort())
    assert.ok(pages.length >= 5 && pages.every((p) => p.body_html.length > 0))

    const users = (
      await sql<{ email: string; role: string; password_hash: string }>`select email, role, password_hash from users order by id`.execute(
        db,
      )
    ).rows
    assert.deepEqual(
      users.map((u) => [u.email, u.role]),
      AUTHORS.map((a) => [a.email, a.role]),
    )
    assert.ok(users.every((u) => u.password_hash.startsWith('$argon2id$')))

    // What a visitor sees over the API.
    const site1 = await site.app.inject({ method: 'GET', url: '/api/v1/site' })
    assert.equal(site1.json().title, 'Harbour Notes')
    const list = await site.app.inject({ method: 'GET', url: '/api/v1/posts?limit=20' })
    assert.equal(list.statusCode, 200)
    assert.equal(list.json().data.length, FEW)
    assert.equal(list.json().data[0].slug, slugify(POSTS[FEW - 1]?.title ?? ''))

    // A second run finds the marker and adds nothing.
    const before = await Promise.all(
      ['posts', 'media', 'media_variants', 'users', 'tags', 'categories', 'jobs'].map((table) => count(db, table)),
    )
    const again = await site.seed()
    assert.equal(again.status, 'already_seeded')
    const after = await Promise.all(
      ['posts', 'media', 'media_variants', 'users', 'tags', 'categories', 'jobs'].map((table) => count(db, table)),
    )
    assert.deepEqual(after, before)
  })
}

test('seed demo refuses a site that already has content at one of its slugs, and writes nothing', async (t) => {
  const site = await seededApp(t)
  const { db } = site.database
  const owner = await createUser(db, { role: 'editor' })
  await createPost(db, owner, { type: 'page', title: 'About us', slug: 'about', published: true })
  await assert.rejects(site.seed(), (error: Error & { status?: number }) => {
    assert.equal(error.status, 409)
    assert.match(error.message, /already has content at \/about\b/)
    return true
  })
  assert.equal(await count(db, 'media'), 0)
  assert.equal(await count(db, 'users'), 1)
  assert.equal(await count(db, 'posts'), 1)
})

test('every post of the full demo has a unique slug, 1–4 tags and a body of 300–1200 words that renders', () => {
  const all = [...POSTS, ...DRAFTS, SCHEDULED]
  assert.ok(DEMO_POSTS_MAX >= 36)
  assert.equal(new Set(all.map((post) => slugify(post.title))).size, all.length)
  for (const [index, post] of all.entries()) {
    assert.ok(post.tags.length >= 1 && post.tags.length <= 4, post.title)
    const body = composeBody({ index, post, related: [] })
    const words = countWords(body)
    assert.ok(words >= BODY_WORDS.min && words <= BODY_WORDS.max, `${post.title}: ${words} words`)
    assert.match(renderMarkdown(body), /<h2 id="/)
  }
})
