import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { isChangeTag } from '#core/changes/changes.ts'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import { buildApp } from '../../app.ts'
import { createContent, publishContent, updateContent } from '../content/content.service.ts'
import { createTerm } from '../content/terms.service.ts'
import { generateMediaVariants, uploadMedia } from '../media/media.service.ts'
import { localMediaStore } from '../media/media.store.ts'
import { makeImage } from '../media/media.testing.ts'
import { loadTheme } from './theme.ts'

const PUBLIC_URL = 'https://blog.example.org'
const word = () => `w${randomBytes(4).toString('hex')}`

const site = (t: test.TestContext, options: Parameters<typeof buildTestApp>[1] = {}) =>
  buildTestApp(t, { ...options, env: { PUBLIC_URL, ...options.env } })

const get = (testApp: TestApp, url: string, headers: Record<string, string> = {}) => testApp.app.inject({ method: 'GET', url, headers })

/** The JSON-LD blocks of a page, parsed. */
const jsonLdOf = (html: string) =>
  [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1] as string))

const metaContent = (html: string, attr: 'name' | 'property', key: string) =>
  new RegExp(`<meta ${attr}="${key.replace(/[:.]/g, '\\$&')}" content="([^"]*)">`).exec(html)?.[1]

async function author(testApp: TestApp, role: 'author' | 'editor' = 'editor') {
  return createUser(testApp.database.db, { role, name: `Ada ${word()}` })
}

describe('post pages', () => {
  test('a published post is a page with its body, byline, terms, SEO tags and a BlogPosting JSON-LD', async (t) => {
    const testApp = await site(t)
    const { db } = testApp.database
    const writer = await author(testApp)
    const tag = await createTerm(db, 'tags', { name: `Tag ${word()}` })
    const category = await createTerm(db, 'categories', { name: `Cat ${word()}` })
    const slug = `hello-${word()}`
    const { row } = await createContent(db, 'post', writer, {
      title: 'Hello & <welcome>',
      slug,
      body: '## A heading\n\nSome **bold** text.',
      excerpt: 'The excerpt',
      seo_title: 'SEO title',
      seo_description: 'A description for search engines',
      tags: [{ id: tag.id }],
      categories: [{ id: category.id }],
    })
    await publishContent(db, 'post', row.id)

    const response = await get(testApp, `/blog/${slug}`)
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/html; charset=utf-8/)
    const html = response.body
    assert.match(html, /<h1>Hello &amp; &lt;welcome&gt;<\/h1>/)
    assert.match(html, /<strong>bold<\/strong>/)
    assert.match(html, new RegExp(`by ${writer.name}`))
    assert.match(html, new RegExp(`<a href="/tag/${tag.slug}" rel="tag">${tag.name}</a>`))
    assert.match(html, new RegExp(`<a href="/category/${category.slug}">${category.name}</a>`))
    assert.match(html, /<title>SEO title — My Plinth site<\/title>/)
    assert.equal(metaContent(html, 'name', 'description'), 'A description for search engines')
    assert.match(html, new RegExp(`<link rel="canonical" href="${PUBLIC_URL}/blog/${slug}">`))
    assert.equal(metaContent(html, 'property', 'og:type'), 'article')
    assert.equal(metaContent(html, 'property', 'og:title'), 'SEO title')
    assert.equal(metaContent(html, 'property', 'og:url'), `${PUBLIC_URL}/blog/${slug}`)
    assert.equal(metaContent(html, 'name', 'twitter:card'), 'summary')
    assert.match(html, /<main id="content"/)
    const [ld] = jsonLdOf(html)
    assert.equal(ld['@type'], 'BlogPosting')
    assert.equal(ld.headline, 'Hello & <welcome>')
    assert.equal(ld.author.name, writer.name)
    assert.equal(ld.mainEntityOfPage['@id'], `${PUBLIC_URL}/blog/${slug}`)
    assert.ok(!Number.isNaN(Date.parse(ld.datePublished)))
  })

  test('drafts, scheduled posts and unknown slugs are the theme 404 page; a page slug is not a post', async (t) => {
    const testApp = await site(t)
    const { db } = testApp.database
    const writer = await author(testApp)
    const draft = await createPost(db, writer, { title: 'Secret draft' })
    const page = await createPost(db, writer, { type: 'page', published: true })
    for (const url of [
      `/blog/${draft.slug}`,
      `/blog/${page.slug}`,
      `/blog/nope-${word()}`,
      `/${draft.slug}`,
      '/blog/UPPER',
      '/blog/a--b',
      `/blog/${'a'.repeat(201)}`,
    ]) {
      const response = await get(testApp, url)
      assert.equal(response.statusCode, 404, url)
      assert.match(response.body, /<h1>Page not found<\/h1>/, url)
      assert.match(response.body, /<meta name="robots" content="noindex">/, url)
      assert.doesNotMatch(response.body, /Secret draft/)
      assert.equal(response.headers['cache-control'], 'public, max-age=60, stale-while-revalidate=600')
    }
  })

  test('a page is served at /{slug} with WebPage JSON-LD and shows in the menus', async (t) => {
    const testApp = await site(t)
    const { db } = testApp.database
    const writer = await author(testApp)
    const page = await createPost(db, writer, { type: 'page', title: `About ${word()}`, body: 'We make *things*.', published: true })
    const response = await get(testApp, `/${page.slug}`)
    assert.equal(response.statusCode, 200)
    assert.match(response.body, new RegExp(`<h1>${page.title}</h1>`))
    assert.match(response.body, /We make <em>things<\/em>/)
    assert.equal(jsonLdOf(response.body)[0]['@type'], 'WebPage')
    assert.match(response.body, new RegExp(`<li><a href="/${page.slug}"[^>]*>${page.title}</a></li>`))
    assert.equal(metaContent(response.body, 'property', 'og:type'), 'website')
  })

  test('titles and JSON-LD cannot break out of their elements', async (t) => {
    const testApp = await site(t)
    const writer = await author(testApp)
    const post = await createPost(testApp.database.db, writer, {
      title: '</script><script>alert(1)</script>"onmouseover="x',
      published: true,
    })
    const html = (await get(testApp, `/blog/${post.slug}`)).body
    assert.doesNotMatch(html, /<script>alert/)
    assert.doesNotMatch(html, /"onmouseover="/)
    const ldBlock = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)?.[1] as string
    assert.doesNotMatch(ldBlock, /</)
    assert.equal(JSON.parse(ldBlock).headline, '</script><script>alert(1)</script>"onmouseover="x')
  })

  test('a cover image is a <picture> with AVIF and WebP srcsets, and the og:image', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-site-'))
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
    const testApp = await site(t, { env: { DATA_DIR: dataDir } })
    const { db } = testApp.database
    const writer = await author(testApp)
    const store = localMediaStore(dataDir)
    const media = await uploadMedia(db, store, writer, {
      bytes: await makeImage('jpeg', { width: 700, height: 400 }),
      filename: 'a.jpg',
      alt: 'A "view"',
    })
    await generateMediaVariants(db, store, media.id)
    const { row } = await createContent(db, 'post', writer, { title: 'With a cover', slug: `cover-${word()}`, cover: { id: media.id } })
    await publishContent(db, 'post', row.id)
    const original = `/media/${media.sha256}.jpg`

    const html = (await get(testApp, `/blog/${row.slug}`)).body
    assert.match(
      html,
      /<source type="image\/avif" srcset="\/media\/[0-9a-f]{64}\.avif 320w, \/media\/[0-9a-f]{64}\.avif 640w, \/media\/[0-9a-f]{64}\.avif 700w"/,
    )
    assert.match(html, /<source type="image\/webp" srcset="\/media\/[0-9a-f]{64}\.webp 320w/)
    assert.match(
      html,
      new RegExp(
        `<img src="${original}" srcset="/media/[0-9a-f]{64}\\.jpg 320w, [^"]+" sizes="[^"]+" alt="A &quot;view&quot;" width="700" height="400"`,
      ),
    )
    assert.equal(metaContent(html, 'property', 'og:image'), `${PUBLIC_URL}${original}`)
    assert.equal(metaContent(html, 'name', 'twitter:card'), 'summary_large_image')
    const home = (await get(testApp, '/')).body
    assert.match(home, new RegExp(`<img src="${original}"`))
  })
})

describe('lists', () => {
  test('tag archives paginate 10 per page, newest first; past the end, bad and unknown pages are 404', async (t) => {
    const testApp = await site(t)
    const { db } = testApp.database
    const writer = await author(testApp)
    const tag = await createTerm(db, 'tags', { name: `Paged ${word()}` })
    const titles: string[] = []
    for (let i = 1; i <= 12; i++) {
      const post = await createPost(db, writer, { title: `Numbered ${i} ${word()}`, tag_ids: [tag.id], published: true })
      // Publication times one minute apart, oldest first.
      await sql`update posts set published_at = now() - make_interval(mins => ${100 - i}) where id = ${post.id}`.execute(db)
      titles.push(post.title)
    }
    // Handlebars writes `=` in attributes as &#x3D; (the same URL to a browser); decode it to read the links.
    const page = async (url: string) => {
      const response = await get(testApp, url)
      return { statusCode: response.statusCode, body: response.body.replaceAll('&#x3D;', '=') }
    }
    const first = await page(`/tag/${tag.slug}`)
    assert.equal(first.statusCode, 200)
    assert.match(first.body, new RegExp(`<h1>Posts tagged “${tag.name}”</h1>`))
    const shown = (html: string) => titles.filter((title) => html.includes(`>${title}</a></h2>`))
    assert.deepEqual(shown(first.body).sort(), titles.slice(2).sort())
    assert.ok(first.body.indexOf(titles[11] as string) < first.body.indexOf(titles[2] as string), 'newest first')
    assert.match(first.body, new RegExp(`<a rel="next" href="/tag/${tag.slug}\\?page=2">`))
    assert.doesNotMatch(first.body, /rel="prev"/)

    const second = await page(`/tag/${tag.slug}?page=2`)
    assert.equal(second.statusCode, 200)
    assert.deepEqual(shown(second.body).sort(), titles.slice(0, 2).sort())
    assert.match(second.body, new RegExp(`<a rel="prev" href="/tag/${tag.slug}">`))
    assert.doesNotMatch(second.body, /rel="next"/)
    assert.match(second.body, new RegExp(`<link rel="canonical" href="${PUBLIC_URL}/tag/${tag.slug}\\?page=2">`))

    for (const url of [
      `/tag/${tag.slug}?page=3`,
      `/tag/${tag.slug}?page=0`,
      `/tag/${tag.slug}?page=abc`,
      `/tag/${tag.slug}?page=1001`,
      `/tag/none-${word()}`,
      '/tag/Bad_Slug',
    ]) {
      assert.equal((await get(testApp, url)).statusCode, 404, url)
    }
    // Tracking parameters do not break a page.
    assert.equal((await get(testApp, `/tag/${tag.slug}?utm_source=x&page=1`)).statusCode, 200)
  })

  test('a category archive lists its published posts only', async (t) => {
    const testApp = await site(t)
    const { db } = testApp.database
    const writer = await author(testApp)
    const category = await createTerm(db, 'categories', { name: `News ${word()}` })
    const shown = await createContent(db, 'post', writer, { title: `Shown ${word()}`, categories: [{ id: category.id }] })
    await publishContent(db, 'post', shown.row.id)
    const hidden = await createContent(db, 'post', writer, { title: `Hidden ${word()}`, categories: [{ id: category.id }] })
    const html = (await get(testApp, `/category/${category.slug}`)).body
    assert.match(html, new RegExp(`<h1>${category.name}</h1>`))
    assert.ok(html.includes(shown.row.title))
    assert.ok(!html.includes(hidden.row.title))
  })

  test('home and /blog show published posts; home carries WebSite JSON-LD with a SearchAction', async (t) => {
    const testApp = await site(t)
    const writer = await author(testApp)
    const published = await createPost(testApp.database.db, writer, { title: `Fresh ${word()}`, published: true })
    const draft = await createPost(testApp.database.db, writer, { title: `Unseen ${word()}` })
    for (const url of ['/', '/blog']) {
      const html = (await get(testApp, url)).body
      assert.ok(html.includes(`<a href="/blog/${published.slug}">${published.title}</a>`), url)
      assert.ok(!html.includes(draft.title), url)
    }
    const [ld] = jsonLdOf((await get(testApp, '/')).body)
    assert.equal(ld['@type'], 'WebSite')
    assert.equal(ld.potentialAction.target.urlTemplate, `${PUBLIC_URL}/search?q={search_term_string}`)
  })
})

describe('caching headers', () => {
  test('anonymous pages are public with an ETag and 304; with a session they are private, no-store', async (t) => {
    const testApp = await site(t)
    const writer = await author(testApp)
    const post = await createPost(testApp.database.db, writer, { published: true })
    const url = `/blog/${post.slug}`
    const first = await get(testApp, url)
    assert.equal(first.headers['cache-control'], 'public, max-age=60, stale-while-revalidate=600')
    const etag = first.headers.etag as string
    assert.match(etag, /^W\/"[\w-]+"$/)
    assert.ok(String(first.headers['surrogate-key']).split(' ').includes(`post:${post.id}`))

    const again = await get(testApp, url, { 'if-none-match': etag })
    assert.equal(again.statusCode, 304)
    assert.equal(again.body, '')
    assert.equal(again.headers.vary, first.headers.vary) // the Vary its 200 has (Accept-Encoding)
    assert.equal(again.headers.vary, 'Accept-Encoding')
    assert.equal((await get(testApp, url, { 'if-none-match': 'W/"other"' })).statusCode, 200)

    // A change to the post changes the tag.
    await updateContent(testApp.database.db, 'post', writer, post.id, { title: 'Changed title' })
    const changed = await get(testApp, url, { 'if-none-match': etag })
    assert.equal(changed.statusCode, 200)
    assert.notEqual(changed.headers.etag, etag)

    const member = await createUser(testApp.database.db, { role: 'member' })
    const { cookie } = await logIn(testApp.app, member.email)
    const signedIn = await get(testApp, url, { cookie, 'if-none-match': etag })
    assert.equal(signedIn.statusCode, 200)
    assert.equal(signedIn.headers['cache-control'], 'private, no-store')
    assert.equal(signedIn.headers.etag, undefined)
    // A stale or forged cookie is an anonymous visit.
    assert.equal(
      (await get(testApp, url, { cookie: 'plinth_session=forged' })).headers['cache-control'],
      'public, max-age=60, stale-while-revalidate=600',
    )
  })

  test('pages come compressed as the visitor accepts; the same bytes are compressed once, a change shows at once', async (t) => {
    const testApp = await site(t)
    const writer = await author(testApp)
    const post = await createPost(testApp.database.db, writer, { published: true, body: 'Words '.repeat(400) })
    const url = `/blog/${post.slug}`
    const plain = await get(testApp, url)
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.equal(plain.headers.vary, 'Accept-Encoding')
    assert.ok(plain.body.includes(post.title))

    const br = await get(testApp, url, { 'accept-encoding': 'gzip, br' })
    assert.equal(br.headers['content-encoding'], 'br')
    assert.equal(br.headers.vary, 'Accept-Encoding')
    assert.equal(br.headers.etag, plain.headers.etag)
    assert.equal(Number(br.headers['content-length']), br.rawPayload.length)
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body)
    // The second visitor gets the kept bytes.
    assert.deepEqual((await get(testApp, url, { 'accept-encoding': 'br' })).rawPayload, br.rawPayload)

    const gzip = await get(testApp, url, { 'accept-encoding': 'gzip, br;q=0' })
    assert.equal(gzip.headers['content-encoding'], 'gzip')
    assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body)

    // New bytes, new ETag, newly compressed: never the old page.
    await updateContent(testApp.database.db, 'post', writer, post.id, { title: 'A title after the change' })
    const changed = await get(testApp, url, { 'accept-encoding': 'br' })
    assert.notEqual(changed.headers.etag, br.headers.etag)
    const html = brotliDecompressSync(changed.rawPayload).toString()
    assert.ok(html.includes('A title after the change'))
    assert.equal(html, (await get(testApp, url)).body)

    // A signed-in visitor's page is compressed too (by the plugin, for that response alone).
    const member = await createUser(testApp.database.db, { role: 'member' })
    const { cookie } = await logIn(testApp.app, member.email)
    const signedIn = await get(testApp, url, { cookie, 'accept-encoding': 'br' })
    assert.equal(signedIn.headers['content-encoding'], 'br')
    assert.equal(signedIn.headers['cache-control'], 'private, no-store')
    assert.ok(brotliDecompressSync(signedIn.rawPayload).toString().includes('A title after the change'))
  })

  test('each render lists the records it showed', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-site-'))
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
    const testApp = await site(t, { env: { DATA_DIR: dataDir } })
    const { db } = testApp.database
    const writer = await author(testApp)
    const tag = await createTerm(db, 'tags', { name: `Tagged ${word()}` })
    const post = await createPost(db, writer, { tag_ids: [tag.id], published: true })
    const category = await createTerm(db, 'categories', { name: `Filed ${word()}` })
    const upload = await uploadMedia(db, testApp.deps.store, writer, {
      bytes: await makeImage('png'),
      filename: 'c.png',
      alt: 'A cover',
    })
    await updateContent(db, 'post', writer, post.id, { categories: [{ id: category.id }], cover: { id: upload.id } })
    const keys = async (url: string) =>
      String((await get(testApp, url)).headers['surrogate-key'])
        .split(' ')
        .sort()
    // The post, its author's name, its terms, its cover, and the layout's site settings and menu of pages.
    const shown = [
      `category:${category.id}`,
      'list:pages',
      `media:${upload.id}`,
      `post:${post.id}`,
      'site',
      `tag:${tag.id}`,
      `user:${writer.id}`,
    ]
    assert.deepEqual(await keys(`/blog/${post.slug}`), shown)
    // A card shows no categories; a list adds itself and the archive's term.
    const card = shown.filter((key) => !key.startsWith('category:'))
    assert.deepEqual(await keys(`/tag/${tag.slug}`), [...card, 'list:posts'].sort())
    assert.deepEqual(await keys(`/category/${category.slug}`), [...card, `category:${category.id}`, 'list:posts'].sort())
    for (const url of ['/', '/blog']) for (const key of card) assert.ok((await keys(url)).includes(key), `${url} ${key}`)
    const feed = await keys('/feed.xml')
    for (const key of ['site', 'list:posts', `post:${post.id}`, `user:${writer.id}`, `tag:${tag.id}`]) assert.ok(feed.includes(key), key)
    assert.deepEqual(await keys('/sitemap.xml'), [
      'list:categories',
      'list:pages',
      'list:posts',
      'list:product-categories',
      'list:products',
      'list:tags',
    ])
    // Every key is from the change feed's vocabulary (core/changes/tags.ts).
    for (const url of ['/', `/blog/${post.slug}`, '/feed.xml', '/search?q=post', '/no-such-page']) {
      for (const key of await keys(url)) assert.ok(isChangeTag(key), `${url}: ${key}`)
    }
  })
})

describe('redirects and not found', () => {
  test('an old slug of a published post answers 301 to the new one, keeping the query; a trailing slash is dropped', async (t) => {
    const testApp = await site(t)
    const { db } = testApp.database
    const writer = await author(testApp)
    const post = await createPost(db, writer, { published: true })
    const newSlug = `moved-${word()}`
    await updateContent(db, 'post', writer, post.id, { slug: newSlug })
    const moved = await get(testApp, `/blog/${post.slug}?ref=x`)
    assert.equal(moved.statusCode, 301)
    assert.equal(moved.headers.location, `/blog/${newSlug}?ref=x`)
    const slash = await get(testApp, `/blog/${newSlug}/`)
    assert.equal(slash.statusCode, 301)
    assert.equal(slash.headers.location, `/blog/${newSlug}`)
    // Never a redirect to another host.
    for (const url of ['//evil.example/']) {
      const response = await get(testApp, url)
      assert.equal(response.statusCode, 404, url)
      assert.equal(response.headers.location, undefined)
    }
  })

  test('unknown paths get the theme 404 as HTML, the API keeps problem+json, other methods a problem', async (t) => {
    const testApp = await site(t)
    const page = await get(testApp, `/no/such/${word()}`)
    assert.equal(page.statusCode, 404)
    assert.match(page.body, /<h1>Page not found<\/h1>/)
    assert.match(page.body, /<form class="search-page-form" role="search"/)
    const api = await get(testApp, '/api/v1/nothing-here')
    assert.equal(api.statusCode, 404)
    assert.match(String(api.headers['content-type']), /^application\/problem\+json/)
    const post = await testApp.app.inject({ method: 'POST', url: '/no-such-form' })
    assert.equal(post.statusCode, 404)
  })
})

describe('the welcome page', () => {
  test('an empty site without an administrator points the owner to the setup link in the log, never showing it', async (t) => {
    const testApp = await site(t, { privateDatabase: true })
    const response = await get(testApp, '/')
    assert.equal(response.statusCode, 200)
    assert.match(response.body, /Welcome to your new Plinth site/)
    assert.match(response.body, /setup link/)
    assert.doesNotMatch(response.body, /token|\/admin\/setup/i)
    assert.match(response.body, /<meta name="robots" content="noindex">/)

    // With an administrator the home page is the (empty) list, not the welcome.
    await createUser(testApp.database.db, { role: 'admin' })
    const after = await get(testApp, '/')
    assert.doesNotMatch(after.body, /Welcome to your new Plinth site/)
    assert.match(after.body, /Nothing has been published here yet/)
  })
})

describe('feeds, sitemap and robots', () => {
  test('/feed.xml is well-formed Atom with the latest 20 posts, escaped', async (t) => {
    const testApp = await site(t, { privateDatabase: true })
    const { db } = testApp.database
    const writer = await author(testApp)
    for (let i = 0; i < 22; i++) await createPost(db, writer, { title: `Feed <${i}> & co`, body: `Body **${i}** <b>`, published: true })
    await createPost(db, writer, { title: 'Draft in feed?' })
    const response = await get(testApp, '/feed.xml')
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-type'], 'application/atom+xml; charset=utf-8')
    assert.equal(XMLValidator.validate(response.body), true)
    const feed = new XMLParser({ ignoreAttributes: false }).parse(response.body).feed
    assert.equal(feed['@_xmlns'], 'http://www.w3.org/2005/Atom')
    assert.equal(feed.entry.length, 20)
    assert.match(feed.entry[0].title['#text'], /^Feed <\d+> & co$/)
    assert.match(feed.entry[0].content['#text'], /^<p>Body <strong>\d+<\/strong> &lt;b&gt;<\/p>/)
    assert.match(feed.entry[0].link['@_href'], new RegExp(`^${PUBLIC_URL}/blog/`))
    assert.ok(!response.body.includes('Draft in feed?'))
  })

  test('/sitemap.xml lists every public URL and parses; /robots.txt points to it', async (t) => {
    const testApp = await site(t, { privateDatabase: true })
    const { db } = testApp.database
    const writer = await author(testApp)
    const tag = await createTerm(db, 'tags', { name: 'Sitemapped' })
    const post = await createPost(db, writer, { tag_ids: [tag.id], published: true })
    const page = await createPost(db, writer, { type: 'page', published: true })
    const draft = await createPost(db, writer, {})
    const response = await get(testApp, '/sitemap.xml')
    assert.equal(response.statusCode, 200)
    assert.equal(XMLValidator.validate(response.body), true)
    const urls = new XMLParser().parse(response.body).urlset.url as { loc: string; lastmod?: string }[]
    const locs = urls.map((url) => url.loc).sort()
    assert.deepEqual(
      locs,
      [
        `${PUBLIC_URL}/`,
        `${PUBLIC_URL}/blog`,
        `${PUBLIC_URL}/blog/${post.slug}`,
        `${PUBLIC_URL}/${page.slug}`,
        `${PUBLIC_URL}/tag/${tag.slug}`,
      ].sort(),
    )
    assert.ok(!response.body.includes(draft.slug))

    const robots = await get(testApp, '/robots.txt')
    assert.equal(robots.headers['content-type'], 'text/plain; charset=utf-8')
    assert.match(robots.body, new RegExp(`^Sitemap: ${PUBLIC_URL}/sitemap.xml$`, 'm'))
    assert.match(robots.body, /^Disallow: \/api\/$/m)
  })
})

describe('the search page', () => {
  test('shows ranked hits with highlighted snippets, echoes the query escaped, and is not indexed', async (t) => {
    const testApp = await site(t)
    const writer = await author(testApp)
    const term = word()
    const post = await createPost(testApp.database.db, writer, {
      title: `About ${term}`,
      body: `Text with ${term} inside.`,
      published: true,
    })
    const response = await get(testApp, `/search?q=${term}`)
    assert.equal(response.statusCode, 200)
    assert.match(response.body, new RegExp(`<a href="/blog/${post.slug}">About ${term}</a>`))
    assert.match(response.body, new RegExp(`<mark>${term}</mark>`))
    assert.match(response.body, /<meta name="robots" content="noindex">/)

    const xss = await get(testApp, `/search?q=${encodeURIComponent('<script>alert(1)</script>')}`)
    assert.equal(xss.statusCode, 200)
    assert.doesNotMatch(xss.body, /<script>alert/)
    assert.match(xss.body, /Nothing matched “&lt;script&gt;alert\(1\)&lt;\/script&gt;”/)

    const empty = await get(testApp, '/search')
    assert.equal(empty.statusCode, 200)
    assert.match(empty.body, /<h1>Search<\/h1>/)
    for (const q of ['&|!:*()', "'", '\\', 'a'.repeat(500)]) {
      assert.equal((await get(testApp, `/search?q=${encodeURIComponent(q)}`)).statusCode, 200, q)
    }
    assert.equal((await get(testApp, `/search?q=${term}&page=x`)).statusCode, 404)
  })
})

describe('themes', () => {
  test('THEME_DIR overrides single templates and assets; theme assets are immutable', async (t) => {
    const themeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-theme-'))
    t.after(() => fs.rmSync(themeDir, { recursive: true, force: true }))
    fs.mkdirSync(path.join(themeDir, 'templates'))
    fs.writeFileSync(path.join(themeDir, 'templates', '404.hbs'), '{{#> layout}}<h1>Lost {{site.title}}</h1>{{/layout}}')
    const testApp = await site(t, { env: { THEME_DIR: themeDir } })
    const response = await get(testApp, `/missing-${word()}`)
    assert.equal(response.statusCode, 404)
    assert.match(response.body, /<h1>Lost My Plinth site<\/h1>/)
    const css = /<link rel="stylesheet" href="(\/theme\/[\w-]+\/style\.css)">/.exec(response.body)?.[1] as string
    const asset = await get(testApp, css)
    assert.equal(asset.statusCode, 200)
    assert.equal(asset.headers['content-type'], 'text/css; charset=utf-8')
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal((await get(testApp, css, { 'if-none-match': asset.headers.etag as string })).statusCode, 304)
    assert.equal((await get(testApp, '/theme/0000/style.css')).statusCode, 404)
  })

  test('a theme with a broken or missing template stops the start with the file name', async (t) => {
    const themeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-theme-'))
    t.after(() => fs.rmSync(themeDir, { recursive: true, force: true }))
    fs.mkdirSync(path.join(themeDir, 'templates'))
    fs.writeFileSync(path.join(themeDir, 'templates', 'post.hbs'), '{{#if x}}never closed')
    assert.throws(() => loadTheme(themeDir), /theme template post\.hbs/)
    const testApp = await site(t)
    await assert.rejects(
      buildApp({ ...testApp.deps, config: { ...testApp.config, themeDir }, lifecycle: testApp.lifecycle }, { logger: false }),
      /theme template post\.hbs/,
    )
  })

  test('templates cannot reach prototypes or run code', () => {
    const themeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-theme-'))
    try {
      fs.mkdirSync(path.join(themeDir, 'templates'))
      fs.writeFileSync(
        path.join(themeDir, 'templates', '404.hbs'),
        '[{{site.constructor}}][{{site.__proto__}}][{{#with site.title}}{{constructor.name}}{{/with}}][{{lookup site "constructor"}}]',
      )
      const html = loadTheme(themeDir).render('404', { site: { title: 'x' } })
      assert.equal(html, '[][][][]')
    } finally {
      fs.rmSync(themeDir, { recursive: true, force: true })
    }
  })
})
